import { SPLIT_NAMES, type LeakageReport, type SplitGrouping, type SplitReport } from '../../../../shared/domain/splits.ts';
import { type Command, type CommandContext, UsageError, numberOption, shellPath } from '../command.ts';

export const splitCommand: Command = {
  name: 'split',
  usage: 'split <project> [--ratios 0.7,0.15,0.15] [--seed N] [--group-by patient|none] [--lock]',
  summary: 'Split labelled images into train/val/test (stratified, patients kept whole) and check for leakage.',
  options: { ratios: { type: 'string' }, seed: { type: 'string' }, 'group-by': { type: 'string' }, lock: { type: 'boolean' } },
  minPositionals: 1,
  maxPositionals: 1,
  async run({ positionals, values, client, json, out }) {
    const ratios = parseRatios(values.ratios);
    const seed = numberOption(values, 'seed');
    if (seed !== undefined && (!Number.isInteger(seed) || seed < 0)) throw new UsageError('--seed expects a whole number of 0 or more');
    const groupBy = parseGrouping(values['group-by']);
    await client.invoke('project.open', { dir: shellPath(positionals[0]) });
    let report = await client.invoke('splits.create', { ratios, seed, groupBy });
    if (values.lock === true) report = await client.invoke('splits.lock', { locked: true });
    const leakage = await client.invoke('splits.leakage', {});
    if (!json) out(formatSplitReport(report, leakage));
    return { report, leakage };
  },
};

function parseRatios(raw: CommandContext['values'][string]): [number, number, number] | undefined {
  if (raw === undefined) return undefined;
  const parts = String(raw).split(',').map((x) => Number(x.trim()));
  if (parts.length !== 3 || parts.some((x) => !Number.isFinite(x))) {
    throw new UsageError(`--ratios expects three numbers for train,val,test such as 0.7,0.15,0.15; got "${String(raw)}"`);
  }
  return [parts[0], parts[1], parts[2]];
}

function parseGrouping(raw: CommandContext['values'][string]): SplitGrouping | undefined {
  if (raw === undefined) return undefined;
  if (raw !== 'patient' && raw !== 'none') throw new UsageError(`--group-by expects "patient" or "none", got "${String(raw)}"`);
  return raw;
}

/** A small table: one row per split, one column per class, then ratios, leftovers and leakage. */
export function formatSplitReport(r: SplitReport, leakage: LeakageReport): string {
  const header = ['Split', 'Images', 'Groups', ...r.classes.map((c) => c.name), 'Unlabeled'];
  const rows = SPLIT_NAMES.map((s) => [s, r.parts[s].images, r.parts[s].groups, ...r.classes.map((c) => c.counts[s]), r.parts[s].unlabeled].map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const asked = r.settings ? r.settings.ratios.map((x) => x.toFixed(2)).join('/') : '?';
  const achieved = SPLIT_NAMES.map((s) => r.achieved[s].toFixed(3)).join('/');
  const leaks = leakage.groups.length + leakage.exact.length + leakage.nearTotal;
  return [
    line(header),
    ...rows.map(line),
    '',
    r.fromFile
      ? `Ratios     ${achieved}, placed image by image by ${r.fromFile.file} (its split column); "labeltune split" re-splits by ratios`
      : `Ratios     ${achieved} achieved (asked ${asked}), seed ${r.settings?.seed ?? '?'}, grouped by ${r.settings?.groupBy ?? '?'}`,
    `Left out   ${r.unassigned} image(s) in groups without a label, ${r.excluded} excluded`,
    `Test set   ${r.locked ? `locked (${r.lockedTest} images stay in test on re-split)` : 'not locked (use --lock to keep it fixed)'}`,
    leaks === 0
      ? 'Leakage    none found'
      : `Leakage    ${leakage.groups.length} group(s), ${leakage.exact.length} exact duplicate set(s), ${leakage.nearTotal} near pair(s) in more than one split`,
    ...r.warnings.map((w) => `Warning    ${w}`),
  ].join('\n');
}
