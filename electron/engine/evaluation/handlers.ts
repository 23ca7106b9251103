import { z } from 'zod';
import { validation } from '../../../shared/contract/errors.ts';
import type { EvalHandlers } from '../../../shared/contract/evaluation.ts';
import type { EvalSplit, EvaluationMetrics, OperatingPointResult } from '../../../shared/domain/evaluation.ts';
import { thresholdForSensitivity } from '../../training/metrics/operating-point.ts';
import type { EngineContext } from '../context.ts';
import { now } from '../db/database.ts';
import type { Implementation } from '../handler.ts';
import type { JobContext } from '../jobs/job-manager.ts';
import type { Project } from '../projects/project.ts';
import { getRun } from '../runs/store.ts';
import { splitImages } from './data.ts';
import { checkpointFile as bestCheckpointFile } from '../runs/checkpoint-file.ts';
import { computeEvaluation } from './metrics.ts';
import { latestEvaluation, saveEvaluation, savePredictions } from './store.ts';

const runId = z.number().int().positive();

/** Evaluate a run's best checkpoint on a split, store the predictions and the metrics. */
export async function evaluateRun(project: Project, id: number, split: EvalSplit, job: JobContext): Promise<EvaluationMetrics> {
  const run = getRun(project.db, id);
  const images = splitImages(project.db, split, run.config.classes);
  job.progress(0, images.length, 'Loading the model');
  // TensorFlow loads with the first job, not with the engine.
  const { loadRunModel, predictImages } = await import('./inference.ts');
  const m = await loadRunModel(project.db, project.dir, id);
  try {
    const probs = await predictImages(m, images, {
      onProgress: (done, total) => job.progress(done, total, `Predicting ${done} of ${total} images`),
      checkCancelled: () => job.throwIfCancelled(),
    });
    const samples = { imageIds: images.map((i) => i.id), truth: images.map((i) => i.truth), probs };
    const createdAt = now();
    const metrics = computeEvaluation({ runId: id, split, classes: run.config.classes, multiLabel: run.config.multiLabel, createdAt }, samples);
    project.db.transaction(() => {
      savePredictions(project.db, id, samples.imageIds, probs, run.config.multiLabel, createdAt);
      saveEvaluation(project.db, metrics, samples);
    })();
    return metrics;
  } finally {
    m.dispose();
  }
}

/** The operating point for one class at a target sensitivity, on the newest evaluation's predictions. */
export function operatingPointFor(project: Project, id: number, className: string, target: number): OperatingPointResult {
  const stored = latestEvaluation(project.db, id);
  if (!stored) throw validation(`Run ${id} has not been evaluated yet. Evaluate it first ("labeltune eval --run ${id}").`);
  const k = stored.metrics.classes.indexOf(className);
  if (k < 0) throw validation(`Run ${id} has no class "${className}"; its classes are ${stored.metrics.classes.join(', ')}.`);
  const y = stored.samples.truth.map((t) => (t.includes(k) ? 1 : 0));
  if (!y.some((v) => v === 1)) throw validation(`The ${stored.metrics.split} split has no image of class "${className}", so sensitivity is undefined. Add some to the split and evaluate again.`);
  const op = thresholdForSensitivity(y, stored.samples.probs.map((p) => p[k]), target);
  return { runId: id, className, targetSensitivity: target, ...op, threshold: Number.isFinite(op.threshold) ? op.threshold : null };
}

export function evalHandlers(ctx: EngineContext): Implementation<EvalHandlers> {
  return {
    'eval.run': {
      schema: z.object({ runId, split: z.enum(['test', 'val']).optional() }),
      run: ({ runId: id, split = 'test' }) => {
        const project = ctx.project();
        const run = getRun(project.db, id);
        // Refuse an empty split or a run without a checkpoint before a job starts.
        splitImages(project.db, split, run.config.classes);
        bestCheckpointFile(project.db, project.dir, id);
        return { jobId: ctx.jobs.start('eval', { runId: id, split }, (job) => evaluateRun(project, id, split, job)) };
      },
    },
    'eval.get': {
      schema: z.object({ runId }),
      run: ({ runId: id }) => {
        getRun(ctx.project().db, id);
        return latestEvaluation(ctx.project().db, id)?.metrics ?? null;
      },
    },
    'eval.threshold': {
      schema: z.object({ runId, className: z.string().min(1), targetSensitivity: z.number().gt(0).lte(1) }),
      run: ({ runId: id, className, targetSensitivity }) => operatingPointFor(ctx.project(), id, className, targetSensitivity),
    },
  };
}
