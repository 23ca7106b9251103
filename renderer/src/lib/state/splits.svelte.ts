import type { EngineClient } from '../../../../shared/contract/index.ts';
import { type FileSplit, type LeakageReport, SPLIT_NAMES, type SplitGrouping, type SplitName, type SplitReport, type SplitUser } from '../../../../shared/domain/splits.ts';

/** What the Splits form edits; ratios in percent because that is how people type them. */
export interface SplitForm {
  train: number;
  val: number;
  test: number;
  seed: number;
  groupBy: SplitGrouping;
}

export const DEFAULT_SPLIT_FORM: SplitForm = { train: 70, val: 15, test: 15, seed: 0, groupBy: 'patient' };

/** A message when the percentages cannot be a split, null when they can. */
export function ratioProblem(f: SplitForm): string | null {
  const parts = [f.train, f.val, f.test];
  if (parts.some((p) => !Number.isFinite(p) || p < 0)) return 'Each percentage must be a number of 0 or more.';
  const sum = parts.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 100) > 0.01) return `Train, validation and test add up to ${sum}%; they must add up to 100%.`;
  if (f.train <= 0) return 'The training split needs more than 0%.';
  if (f.val <= 0) return 'The validation split needs more than 0%: training checks itself (and stops early) on it.';
  return null;
}

/**
 * The question before a re-split: which runs were trained (and evaluated) on the split it replaces,
 * and that a split a file placed image by image is lost (null when there is nothing to ask).
 */
export function resplitQuestion(runs: SplitUser[], fromFile: FileSplit | null = null): string | null {
  if (runs.length === 0 && fromFile === null) return null;
  const file = fromFile ? `The current split comes from ${fromFile.file}, image by image; re-splitting by ratios replaces it. ` : '';
  if (runs.length === 0) return `${file}Re-split anyway?`;
  const names = runs.map((r) => `#${r.id} "${r.name}"`);
  const listed = names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ');
  return (
    file +
    `${runs.length === 1 ? 'Run' : `${runs.length} runs`} ${listed} ${runs.length === 1 ? 'was' : 'were'} trained on the current split. ` +
    'Re-splitting moves images between train, validation and test, so their results will be marked as computed on an older split. Re-split anyway?'
  );
}

/**
 * Where the current split came from, in a line: a file's split with its counts (train / val / test
 * images) and the groups left in two splits; null for a split made by ratios, and for none.
 */
export function splitOrigin(report: SplitReport): string | null {
  const f = report.fromFile;
  if (f === null) return null;
  const counts = SPLIT_NAMES.map((s) => report.parts[s].images).join(' / ');
  const leaks = f.leakingGroups === 0 ? 'no group in two splits' : `${f.leakingGroups} ${f.leakingGroups === 1 ? 'group' : 'groups'} in two splits`;
  return `Split from ${f.file}: ${counts}, ${leaks}`;
}

/** Per class, per split, the share of that split's labelled images (for the distribution bars). */
export function classShares(report: SplitReport): { name: string; counts: Record<SplitName, number>; shares: Record<SplitName, number> }[] {
  const totals = { train: 0, val: 0, test: 0 };
  for (const c of report.classes) for (const s of ['train', 'val', 'test'] as const) totals[s] += c.counts[s];
  return report.classes.map((c) => ({
    name: c.name,
    counts: c.counts,
    shares: {
      train: totals.train ? c.counts.train / totals.train : 0,
      val: totals.val ? c.counts.val / totals.val : 0,
      test: totals.test ? c.counts.test / totals.test : 0,
    },
  }));
}

/** The project's splits and leakage report, and the form that re-creates them. */
export class SplitsState {
  report = $state<SplitReport | null>(null);
  leakage = $state<LeakageReport | null>(null);
  form = $state<SplitForm>({ ...DEFAULT_SPLIT_FORM });
  busy = $state(false);
  readonly problem = $derived(ratioProblem(this.form));
  readonly origin = $derived(this.report ? splitOrigin(this.report) : null);
  readonly leakCount = $derived(this.leakage ? this.leakage.groups.length + this.leakage.exact.length + this.leakage.nearTotal : null);

  constructor(
    private readonly client: EngineClient,
    private readonly onError: (e: unknown) => void,
    /** Asks before a re-split would leave runs on an older split; the view passes a confirm dialog. */
    private readonly ask: (question: string) => boolean | Promise<boolean> = () => false,
  ) {}

  async load(): Promise<void> {
    await this.run(async () => {
      this.adopt(await this.client.invoke('splits.report', {}));
      this.leakage = await this.client.invoke('splits.leakage', {});
    });
  }

  async create(): Promise<void> {
    if (this.problem) return this.onError(new Error(this.problem));
    const { train, val, test, seed, groupBy } = this.form;
    await this.run(async () => {
      const { runs } = await this.client.invoke('splits.usage', {});
      const question = resplitQuestion(runs, this.report?.fromFile ?? null);
      if (question !== null && !(await this.ask(question))) return;
      this.adopt(await this.client.invoke('splits.create', { ratios: [train / 100, val / 100, test / 100], seed, groupBy }));
      this.leakage = await this.client.invoke('splits.leakage', {});
    });
  }

  async setLocked(locked: boolean): Promise<void> {
    await this.run(async () => this.adopt(await this.client.invoke('splits.lock', { locked })));
  }

  /** Take the engine's report, and the settings it was made with into the form. */
  private adopt(report: SplitReport): void {
    this.report = report;
    const s = report.settings;
    if (s) {
      const pct = (r: number) => Math.round(r * 1000) / 10;
      this.form = { train: pct(s.ratios[0]), val: pct(s.ratios[1]), test: pct(s.ratios[2]), seed: s.seed, groupBy: s.groupBy };
    }
  }

  private async run(work: () => Promise<void>): Promise<void> {
    this.busy = true;
    try {
      await work();
    } catch (e) {
      this.onError(e);
    } finally {
      this.busy = false;
    }
  }
}
