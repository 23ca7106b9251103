import type { EngineClient } from '../../../../shared/contract/index.ts';
import type { StartArgs } from '../../../../shared/contract/runs.ts';
import type { RunDetail, RunInfo, RunMetricRow, RunProgress, RunStepPoint, RunSummary } from '../../../../shared/domain/run.ts';
import { alignSeries, type ChartData } from '../../components/charts/chart-data.ts';
import { runLabel } from '../../components/runs/run-format.ts';

/** One point of a live run's timeline; x counts epochs (2.5 = half way through epoch 3). */
interface LivePoint {
  x: number;
  stepLoss: number | null;
  learningRates: Record<string, number>;
  alpha: number | null;
  metrics: RunMetricRow | null;
}

type Pt = [number, number | null];

/** The charts of a run as it trains, built from its `run.progress` events. */
export class LiveRun {
  points = $state<LivePoint[]>([]);
  last = $state<RunProgress | null>(null);
  status = $state<RunInfo['status']>('running');
  /** Set when the run has ended: the checkpoint's metrics, stop reason and warnings. */
  summary = $state<RunSummary | null>(null);
  error = $state<string | null>(null);
  readonly loss = $derived(lossChart(this.points));
  readonly validation = $derived(validationChart(this.points));
  readonly learningRates = $derived(lrChart(this.points));
  readonly alpha = $derived(alphaChart(this.points));
  readonly hasAlpha = $derived(this.points.some((p) => p.alpha !== null));

  constructor(
    readonly runId: number,
    public jobId: string,
  ) {}

  /** The epoch rows and step losses a run already has (the view opens, or the window reloads, on it). */
  seed(rows: RunMetricRow[], steps: RunStepPoint[] = []): void {
    const points: LivePoint[] = [
      ...steps.map((s) => ({ x: s.x, stepLoss: s.loss, learningRates: s.learningRates, alpha: s.alpha, metrics: null })),
      ...rows.map((m) => ({ x: m.epoch, stepLoss: null, learningRates: m.learningRates, alpha: m.alpha, metrics: m })),
    ];
    // Events that arrived while runs.get was on its way come after: keep the timeline in order.
    this.points = [...points, ...this.points].sort((a, b) => a.x - b.x);
  }

  apply(p: RunProgress): void {
    this.last = p;
    if (p.phase === 'paused') this.status = 'paused';
    else if (p.phase !== 'finished') this.status = 'running';
    if (p.phase === 'training' && p.steps > 0) {
      this.points.push({ x: p.epoch - 1 + p.step / p.steps, stepLoss: p.loss, learningRates: p.learningRates, alpha: p.alpha, metrics: null });
    } else if (p.phase === 'epoch-end' && p.metrics) {
      const m = p.metrics;
      this.points.push({ x: m.epoch, stepLoss: null, learningRates: m.learningRates, alpha: m.alpha, metrics: m });
    }
  }
}

function column(points: LivePoint[], pick: (p: LivePoint) => number | null | undefined): Pt[] {
  return points.flatMap((p): Pt[] => {
    const v = pick(p);
    return v === null || v === undefined ? [] : [[p.x, v]];
  });
}

export function lossChart(points: LivePoint[]): ChartData {
  return alignSeries([
    { label: 'loss per step', points: column(points, (p) => p.stepLoss), faint: true },
    { label: 'train loss', points: column(points, (p) => p.metrics?.trainLoss) },
    { label: 'val loss', points: column(points, (p) => p.metrics?.valLoss) },
  ]);
}

export function validationChart(points: LivePoint[]): ChartData {
  return alignSeries([
    { label: 'val accuracy', points: column(points, (p) => p.metrics?.valAccuracy) },
    { label: 'val AUC', points: column(points, (p) => p.metrics?.valAuc) },
  ]);
}

export function lrChart(points: LivePoint[]): ChartData {
  const groups = [...new Set(points.flatMap((p) => Object.keys(p.learningRates)))];
  return alignSeries(groups.map((g) => ({ label: `lr ${g}`, points: column(points, (p) => p.learningRates[g]) })));
}

export function alphaChart(points: LivePoint[]): ChartData {
  return alignSeries([{ label: 'α(t)', points: column(points, (p) => p.alpha) }]);
}

export type CompareMetric = 'valLoss' | 'trainLoss' | 'valAccuracy' | 'valAuc';

/** Several runs' per-epoch metric on one chart: one series per run. */
export function compareChart(runs: RunDetail[], metric: CompareMetric): ChartData {
  return alignSeries(runs.map((r) => ({ label: runLabel(r), points: r.metrics.map((m): Pt => [m.epoch, m[metric]]) })));
}

/** The project's runs, the run the Train view follows live, and its controls. */
export class RunsState {
  runs = $state<RunInfo[]>([]);
  live = $state<LiveRun | null>(null);
  /** Events of runs not followed yet: a run can report before `runs.start` has answered. */
  private early: RunProgress[] = [];

  constructor(
    private readonly client: EngineClient,
    private readonly onError: (e: unknown) => void,
  ) {}

  /** Follow `run.progress`; returns the unsubscribe function. */
  start(): () => void {
    const off = this.client.on('run.progress', (p) => this.progress(p));
    void this.load();
    return off;
  }

  async load(): Promise<void> {
    await this.guard(async () => {
      this.runs = await this.client.invoke('runs.list', {});
    });
  }

  /**
   * Follow a run that is already training or paused (the view was opened, or the window reloaded,
   * mid-run), else the run the window followed before it reloaded; its charts start from what the
   * engine stored. Returns the run followed.
   */
  async followActive(remembered: number | null = null): Promise<RunInfo | null> {
    await this.load();
    const active = this.runs.find((r) => r.status === 'running' || r.status === 'paused' || r.status === 'queued');
    const run = active ?? this.runs.find((r) => r.id === remembered);
    if (!run || this.live) return null;
    const live = new LiveRun(run.id, run.jobId ?? '');
    Object.assign(live, { status: run.status, summary: run.summary, error: run.error });
    this.live = live;
    const detail = await this.detail(run.id);
    if (detail) live.seed(detail.metrics, detail.steps);
    return run;
  }

  /** Start a run: a plan of `runs.plan` (its planId), or options. */
  async startRun(args: StartArgs): Promise<void> {
    await this.guard(async () => {
      const { runId, jobId } = await this.client.invoke('runs.start', args);
      const live = new LiveRun(runId, jobId);
      for (const p of this.early.filter((e) => e.runId === runId)) live.apply(p);
      this.early = [];
      this.live = live;
      await this.load();
    });
  }

  async pause(): Promise<void> {
    await this.control(async (runId) => this.client.invoke('runs.pause', { runId }));
  }

  async resume(): Promise<void> {
    await this.control(async (runId) => {
      const { jobId } = await this.client.invoke('runs.resume', { runId });
      if (this.live) Object.assign(this.live, { jobId, status: 'running' });
    });
  }

  async cancel(): Promise<void> {
    await this.control(async (runId) => this.client.invoke('runs.cancel', { runId }));
  }

  async detail(runId: number): Promise<RunDetail | null> {
    try {
      return await this.client.invoke('runs.get', { runId });
    } catch (e) {
      this.onError(e);
      return null;
    }
  }

  private progress(p: RunProgress): void {
    if (this.live?.runId !== p.runId) {
      this.early = [...this.early.slice(-200), p];
      return;
    }
    this.live.apply(p);
    // The run's row (status, best metrics) changes at epoch ends and at the end.
    if (p.phase === 'epoch-end' || p.phase === 'finished' || p.phase === 'paused') void this.refreshLive();
  }

  private async refreshLive(): Promise<void> {
    await this.load();
    const row = this.runs.find((r) => r.id === this.live?.runId);
    if (row && this.live) Object.assign(this.live, { status: row.status, summary: row.summary, error: row.error });
  }

  private async control(action: (runId: number) => Promise<unknown>): Promise<void> {
    const runId = this.live?.runId;
    if (runId === undefined) return;
    await this.guard(async () => {
      await action(runId);
      await this.refreshLive();
    });
  }

  private async guard(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (e) {
      this.onError(e);
    }
  }
}
