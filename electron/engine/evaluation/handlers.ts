import { z } from 'zod';
import { validation } from '../../../shared/contract/errors.ts';
import type { EvalHandlers } from '../../../shared/contract/evaluation.ts';
import type { CheckpointChoice, EvalSplit, EvaluationMetrics, OperatingPointResult } from '../../../shared/domain/evaluation.ts';
import type { EngineContext } from '../context.ts';
import { now } from '../db/database.ts';
import type { Implementation } from '../handler.ts';
import type { JobContext } from '../jobs/job-manager.ts';
import type { Project } from '../projects/project.ts';
import { onHost } from '../host/host-job.ts';
import { getRun } from '../runs/store.ts';
import { type LabelledImage, labelledImages, splitImages } from './data.ts';
import { chooseCheckpoint } from '../runs/checkpoint-file.ts';
import { type EvalSamples, assertFinitePredictions, computeEvaluation } from './metrics.ts';
import { operatingPointOf } from './operating-point.ts';
import { latestEvaluation, saveEvaluation, savePredictions } from './store.ts';

const runId = z.number().int().positive();

/**
 * Evaluate a run's best (or last) checkpoint on a split, store the predictions and the metrics. A test
 * evaluation also predicts the validation split, where operating points are chosen (eval.threshold).
 */
export async function evaluateRun(project: Project, id: number, split: EvalSplit, job: JobContext, which: CheckpointChoice = 'best'): Promise<EvaluationMetrics> {
  const run = getRun(project.db, id);
  const images = splitImages(project.db, split, run.config.classes);
  const tuning = split === 'test' ? labelledImages(project.db, 'val', run.config.classes) : [];
  job.progress(0, images.length + tuning.length, 'Loading the model');
  const checkpoint = chooseCheckpoint(project.db, project.dir, id, which);
  const model = { runId: id, config: run.config, checkpoint: checkpoint.path };
  // Both splits in one request: the model loads once, in a host of its own.
  const all = [...images, ...tuning].map(({ id: imageId, path, frame }) => ({ id: imageId, path, frame }));
  const { probs, runtime } = await onHost('predict', { model, images: all }, { job, what: 'evaluation' });
  const samplesOf = (list: LabelledImage[], from: number): EvalSamples => ({ imageIds: list.map((i) => i.id), truth: list.map((i) => i.truth), probs: probs.slice(from, from + list.length) });
  const samples = samplesOf(images, 0);
  assertFinitePredictions(id, split, samples.probs);
  const validation = tuning.length ? samplesOf(tuning, images.length) : null;
  if (validation) assertFinitePredictions(id, 'val', validation.probs);
  const createdAt = now();
  const metrics: EvaluationMetrics = {
    ...computeEvaluation({ runId: id, split, classes: run.config.classes, multiLabel: run.config.multiLabel, createdAt }, samples),
    checkpoint: { which, epoch: checkpoint.epoch },
    runtime,
  };
  project.db.transaction(() => {
    savePredictions(project.db, id, samples.imageIds, samples.probs, run.config.multiLabel, createdAt);
    saveEvaluation(project.db, metrics, split === 'test' ? { ...samples, validation } : samples);
  })();
  return metrics;
}

/** The operating point for one class at a target sensitivity, from the newest evaluation (see operatingPointOf). */
export function operatingPointFor(project: Project, id: number, className: string, target: number): OperatingPointResult {
  const stored = latestEvaluation(project.db, id);
  if (!stored) throw validation(`Run ${id} has not been evaluated yet. Evaluate it first ("labeltune eval --run ${id}").`);
  return operatingPointOf(stored, className, target);
}

export function evalHandlers(ctx: EngineContext): Implementation<EvalHandlers> {
  return {
    'eval.run': {
      schema: z.object({ runId, split: z.enum(['test', 'val']).optional(), checkpoint: z.enum(['best', 'last']).optional() }),
      run: ({ runId: id, split = 'test', checkpoint = 'best' }) => {
        const project = ctx.project();
        const run = getRun(project.db, id);
        // Refuse an empty split or a run without a checkpoint before a job starts.
        splitImages(project.db, split, run.config.classes);
        chooseCheckpoint(project.db, project.dir, id, checkpoint);
        return { jobId: ctx.jobs.start('eval', { runId: id, split, checkpoint }, (job) => evaluateRun(project, id, split, job, checkpoint)) };
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
