import type { ClassEvaluation, EvalSplit, EvaluationMetrics, OperatingPointResult } from '../../../../shared/domain/evaluation.ts';
import { CompletedRunsState } from './completed-runs.svelte.ts';
import { seriesColour } from '../../components/charts/chart-data.ts';

export interface EvalJob {
  id: string;
  done: number;
  total: number | null;
  message: string;
}

/** The classes whose ROC curve is worth drawing: binary tasks are about one class, the positive one. */
export function curveClasses(m: EvaluationMetrics): ClassEvaluation[] {
  const withCurve = m.perClass.filter((c) => c.roc !== null);
  if (m.positiveClass === null) return withCurve;
  return withCurve.filter((c) => c.classIndex === m.positiveClass);
}

/** One point of a ROC curve; `threshold` null: above every score (nothing called positive). */
export interface RocPoint {
  fpr: number;
  tpr: number;
  threshold: number | null;
}

export interface RocCurve {
  name: string;
  auc: number | null;
  colour: string;
  points: RocPoint[];
}

/**
 * The ROC curves to draw, point for point as the metrics hold them (steps keep their repeated
 * fpr values); each class keeps its colour whichever classes have a curve.
 */
export function rocCurves(m: EvaluationMetrics): RocCurve[] {
  return curveClasses(m).map((c) => {
    const roc = c.roc!;
    const points = roc.fpr.map((fpr, i) => ({ fpr, tpr: roc.tpr[i], threshold: roc.thresholds[i] ?? null }));
    return { name: c.name, auc: c.auc, colour: seriesColour(c.classIndex), points };
  });
}

/**
 * The Evaluate view: completed runs, the chosen run's stored evaluation, an evaluation job under
 * way, and the last operating point asked for. A failed evaluation is said in place (`failure`);
 * the job tray toasts it too.
 */
export class EvaluationState extends CompletedRunsState {
  metrics = $state<EvaluationMetrics | null>(null);
  job = $state<EvalJob | null>(null);
  failure = $state<string | null>(null);
  operatingPoint = $state<OperatingPointResult | null>(null);
  private seq = 0;

  /** Follow the evaluation job's progress and load the runs; returns the unsubscribe function. */
  start(): () => void {
    const off = this.client.on('job.progress', (p) => {
      if (this.job && p.jobId === this.job.id) this.job = { id: p.jobId, done: p.done, total: p.total, message: p.message };
    });
    void this.loadRuns();
    return off;
  }

  /** Show a run's newest stored evaluation (none yet: null); answers for an earlier choice are dropped. */
  async select(runId: number): Promise<void> {
    const seq = ++this.seq;
    this.runId = runId;
    this.metrics = null;
    this.operatingPoint = null;
    this.failure = null;
    try {
      const m = await this.client.invoke('eval.get', { runId });
      if (seq === this.seq) this.metrics = m;
    } catch (e) {
      this.onError(e);
    }
  }

  /** Run the evaluation job on a split and show its result when it ends. */
  async evaluate(split: EvalSplit = 'test'): Promise<void> {
    const runId = this.runId;
    if (runId === null || this.job) return;
    try {
      const { jobId } = await this.client.invoke('eval.run', { runId, split });
      this.job = { id: jobId, done: 0, total: null, message: 'Starting' };
      const end = await this.client.invoke('job.wait', { jobId });
      if (end.status !== 'completed') return void (this.failure = end.error?.message ?? `The evaluation ended ${end.status}.`);
      this.failure = null;
      // Swap in the new result without blanking the old one first; an operating point was of the old one.
      const m = await this.client.invoke('eval.get', { runId });
      if (this.runId === runId) [this.metrics, this.operatingPoint] = [m, null];
    } catch (e) {
      this.onError(e);
    } finally {
      this.job = null;
    }
  }

  /** The highest threshold that reaches the target sensitivity for one class. */
  async threshold(className: string, targetSensitivity: number): Promise<void> {
    const runId = this.runId;
    if (runId === null) return;
    try {
      this.operatingPoint = await this.client.invoke('eval.threshold', { runId, className, targetSensitivity });
    } catch (e) {
      this.onError(e);
    }
  }
}
