import { z } from 'zod';
import { validation } from '../../../shared/contract/errors.ts';
import type { PredictHandlers } from '../../../shared/contract/evaluation.ts';
import type { AcceptResult, PredictResult } from '../../../shared/domain/evaluation.ts';
import type { EngineContext } from '../context.ts';
import { now } from '../db/database.ts';
import type { Implementation } from '../handler.ts';
import type { JobContext } from '../jobs/job-manager.ts';
import { setLabels } from '../labels/label-store.ts';
import type { Project } from '../projects/project.ts';
import { onHost } from '../host/host-job.ts';
import { getRun } from '../runs/store.ts';
import { predictImagesOf, runClassIds } from './data.ts';
import { checkpointFile as bestCheckpointFile } from '../runs/checkpoint-file.ts';
import { predictedClasses } from './metrics.ts';
import { listPredictions, predictionsOf, savePredictions } from './store.ts';

const runId = z.number().int().positive();

/** Predict images with a run's best checkpoint and store probabilities with their uncertainty. */
export async function predictRun(project: Project, id: number, scope: 'unlabeled' | 'all', job: JobContext): Promise<PredictResult> {
  const run = getRun(project.db, id);
  const images = predictImagesOf(project.db, scope);
  job.progress(0, images.length, 'Loading the model');
  const model = { runId: id, config: run.config, checkpoint: bestCheckpointFile(project.db, project.dir, id) };
  const { probs, runtime } = await onHost('predict', { model, images, verb: 'Predicted' }, { job, what: 'prediction' });
  savePredictions(project.db, id, images.map((i) => i.id), probs, run.config.multiLabel, now());
  return { runId: id, predicted: images.length, scope, runtime };
}

/**
 * Label images as predicted, through the labels code with source 'model'. Images are grouped by
 * predicted class set (setLabels gives one class set per call); the groups share one label batch,
 * so one Ctrl+Z of the accepting session (window or tab) takes the whole acceptance back.
 */
export function acceptPredictions(ctx: EngineContext, id: number, imageIds: number[], session?: string): AcceptResult {
  const db = ctx.project().db;
  const { config } = getRun(db, id);
  const predictions = predictionsOf(db, id, imageIds, config.classes);
  const missing = imageIds.filter((i) => !predictions.has(i));
  if (missing.length) throw validation(`Run ${id} has no prediction for image(s) ${missing.slice(0, 10).join(', ')}. Predict them first ("predict.start").`);
  const classIds = runClassIds(db, config.classes);
  const groups = new Map<string, { classIds: number[]; imageIds: number[] }>();
  for (const p of predictions.values()) {
    const ks = predictedClasses(p.probs, config.multiLabel);
    const gone = ks.filter((k) => classIds[k] < 0);
    if (gone.length) throw validation(`Class "${config.classes[gone[0]]}" of run ${id} no longer exists in the project (renamed or deleted); predictions of this run cannot be accepted.`);
    const key = ks.join(',');
    const g = groups.get(key) ?? { classIds: ks.map((k) => classIds[k]), imageIds: [] };
    g.imageIds.push(p.imageId);
    groups.set(key, g);
  }
  let batchId: string | null = null;
  const changed: number[] = [];
  db.transaction(() => {
    for (const g of groups.values()) {
      const joining = batchId === null ? {} : { continueBatch: batchId };
      const change = setLabels(db, { imageIds: g.imageIds, taskRole: 'main', classIds: g.classIds, mode: 'replace', source: 'model', runId: id, session, ...joining });
      batchId ??= change.batchId;
      changed.push(...change.changed.map((c) => c.imageId));
    }
  }).immediate();
  const batchIds = batchId === null ? [] : [batchId];
  if (changed.length) {
    ctx.events.emit('labels.changed', { imageIds: changed });
    ctx.projectChanged();
  }
  return { accepted: changed.length, unchanged: imageIds.length - changed.length, batchIds };
}

export function predictHandlers(ctx: EngineContext): Implementation<PredictHandlers> {
  return {
    'predict.start': {
      schema: z.object({ runId, scope: z.enum(['unlabeled', 'all']).optional() }),
      run: ({ runId: id, scope = 'unlabeled' }) => {
        const project = ctx.project();
        getRun(project.db, id);
        bestCheckpointFile(project.db, project.dir, id); // a run without a checkpoint fails here, not in the job
        return { jobId: ctx.jobs.start('predict', { runId: id, scope }, (job) => predictRun(project, id, scope, job)) };
      },
    },
    'predict.list': {
      schema: z.object({
        runId,
        sort: z.enum(['entropy', 'margin', 'confidence']).optional(),
        scope: z.enum(['unlabeled', 'all']).optional(),
        limit: z.number().int().min(1).max(10_000).optional(),
        offset: z.number().int().min(0).optional(),
      }),
      run: ({ runId: id, sort = 'entropy', scope = 'unlabeled', limit = 100, offset = 0 }) => {
        const { config } = getRun(ctx.project().db, id);
        return { runId: id, classes: config.classes, ...listPredictions(ctx.project().db, id, config.classes, { sort, scope, limit, offset }) };
      },
    },
    'predict.accept': {
      schema: z.object({ runId, imageIds: z.array(z.number().int().positive()).min(1).max(100_000), session: z.string().min(1).max(100).optional() }),
      run: ({ runId: id, imageIds, session }) => acceptPredictions(ctx, id, [...new Set(imageIds)], session),
    },
  };
}
