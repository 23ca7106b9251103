import { join } from 'node:path';
import { z } from 'zod';
import { conflict } from '../../../shared/contract/errors.ts';
import type { RunHandlers, RunOptions, StartArgs } from '../../../shared/contract/runs.ts';
import { ALPHA_SCHEDULE_NAMES, RESIZE_MODES, STRATEGY_NAMES } from '../../../shared/domain/run.ts';
import { BACKEND_RUNGS } from '../../../shared/contract/system.ts';
import type { EngineContext } from '../context.ts';
import { now } from '../db/database.ts';
import { type Implementation, noArgs } from '../handler.ts';
import { onHost } from '../host/host-job.ts';
import { coordinatorFor } from './coordinator.ts';
import { loadRunData } from './data.ts';
import { PlanStore } from './plans.ts';
import { tidyRunCheckpoints } from './checkpoint-file.ts';
import { getRun, insertRun, listRuns, runDetail, updateRun } from './store.ts';
import { measuredPaces } from './pace.ts';

const positiveInt = (max: number) => z.number().int().min(1).max(max);

export const runOptionsSchema = z
  .object({
    backbone: z.string().trim().min(1, { message: 'backbone must not be empty' }),
    weights: z.string().min(1).optional(),
    pretrained: z.boolean().optional(),
    strategy: z.enum([...STRATEGY_NAMES, 'auto']).optional(),
    epochs: positiveInt(10_000).optional(),
    imageSize: z.number().int().min(16).max(1024).optional(),
    lr: z.number().positive().max(10).optional(),
    bodyLr: z.number().positive().max(10).optional(),
    batchSize: positiveInt(4096).optional(),
    layerDecay: z.number().positive().max(1).optional(),
    weightDecay: z.number().min(0).max(1).optional(),
    labelSmoothing: z.number().min(0).max(0.5).optional(),
    classWeights: z.enum(['auto', 'on', 'off']).optional(),
    augment: z.boolean().optional(),
    horizontalFlip: z.boolean().optional(),
    resize: z.enum(RESIZE_MODES).optional(),
    patience: z.number().int().min(0).max(10_000).optional(),
    gradualEvery: positiveInt(1000).optional(),
    unfreezeShare: z.number().positive().max(1).optional(),
    lrSearch: z.boolean().optional(),
    auxSchedule: z.enum(ALPHA_SCHEDULE_NAMES).optional(),
    auxAlpha: z.number().min(0).max(100).optional(),
    seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
    backend: z.enum(BACKEND_RUNGS).optional(),
    name: z.string().trim().min(1).max(200).optional(),
  })
  .strict()
  .refine((o) => !(o.weights && o.pretrained), { message: 'Give either weights (a file) or pretrained, not both.' });

const runId = z.object({ runId: z.number().int().positive() }).strict();

/**
 * Resolve and plan in a model host (it counts the parameters): the engine builds no model. The
 * paces finished runs measured come from the database, so the engine reads them and sends them.
 */
export async function planRun(ctx: EngineContext, opts: RunOptions) {
  const db = ctx.project().db;
  const data = loadRunData(db, opts.auxSchedule !== undefined);
  const paces = measuredPaces(db, opts.backbone);
  const plan = await onHost('plan', { opts, data, homeDir: ctx.homeDir, paces }, { what: 'planning' });
  return { data, config: plan.config, plan };
}

export function runHandlers(ctx: EngineContext): Implementation<RunHandlers> {
  const runs = coordinatorFor(ctx);
  const plans = new PlanStore();
  const db = () => ctx.project().db;

  /** Runs left 'running' or 'paused' by an earlier session (app killed) cannot be live any more. */
  const reconcile = () => {
    const stale = db().prepare(`SELECT id FROM runs WHERE status IN ('running', 'paused', 'queued')`).pluck().all() as number[];
    for (const id of stale.filter((id) => !runs.isLive(id))) {
      updateRun(db(), id, { status: 'failed', error: 'The app stopped while this run was training. Resume it to continue from its last checkpoint.', finished_at: now() });
    }
  };

  const prepare = (opts: RunOptions) => planRun(ctx, opts);

  /** The plan to start: the one `runs.plan` answered (planId), or options planned now. */
  const planFor = async (args: StartArgs) => {
    if (!('planId' in args)) return prepare(args);
    const { plan, data } = plans.take(args.planId, ctx.project().dir, (withAux) => loadRunData(db(), withAux));
    return { data, config: plan.config, plan };
  };

  return {
    'runs.plan': {
      schema: runOptionsSchema,
      run: async (opts) => {
        const { data, plan } = await prepare(opts);
        return plans.remember(plan, data, ctx.project().dir);
      },
    },
    'runs.start': {
      schema: z.union([z.object({ planId: z.string().min(1), name: z.string().trim().min(1).max(200).optional() }).strict(), runOptionsSchema]),
      run: async (args) => {
        const { data, config, plan } = await planFor(args);
        const count = db().prepare('SELECT count(*) FROM runs').pluck().get() as number;
        const name = args.name ?? `${config.backbone} · ${config.strategy} · #${count + 1}`;
        const id = insertRun(db(), name, config, { trainable: plan.trainableParams, total: plan.totalParams });
        const expected = { trainableParams: plan.trainableParams, totalParams: plan.totalParams };
        const jobId = runs.launch({ runId: id, config, manifest: data.manifest, resumeFrom: null, mode: 'train', expected });
        ctx.projectChanged();
        return { runId: id, jobId };
      },
    },
    'runs.pause': {
      schema: runId,
      run: ({ runId }) => {
        runs.pause(runId);
        return getRun(db(), runId, runs.jobOf(runId));
      },
    },
    'runs.resume': {
      schema: z.object({ runId: z.number().int().positive(), backend: z.enum(BACKEND_RUNGS).optional() }).strict(),
      run: ({ runId, backend }) => {
        const liveJob = runs.resumeLive(runId);
        if (liveJob) return { runId, jobId: liveJob };
        reconcile();
        const run = getRun(db(), runId);
        if (run.status === 'completed') throw conflict(`Run ${runId} has already completed; start a new run to train further.`);
        const ckpt = tidyRunCheckpoints(db(), ctx.project().dir, runId);
        const data = loadRunData(db(), run.config.aux !== null);
        const resumeFrom = ckpt ? join(ctx.project().dir, ckpt.path) : null;
        // Checkpoints hold plain float32 values: a run stopped on one backend (a lost GPU) goes on on another.
        const config = backend ? { ...run.config, backend } : run.config;
        const jobId = runs.launch({ runId, config, manifest: data.manifest, resumeFrom, mode: 'train' });
        return { runId, jobId };
      },
    },
    'runs.cancel': {
      schema: runId,
      run: ({ runId }) => {
        const run = getRun(db(), runId);
        if (!runs.cancel(runId) && (run.status === 'paused' || run.status === 'queued' || run.status === 'failed')) {
          updateRun(db(), runId, { status: 'cancelled', finished_at: now() });
        }
        return getRun(db(), runId, runs.jobOf(runId));
      },
    },
    'runs.list': {
      schema: noArgs,
      run: () => {
        reconcile();
        return listRuns(db(), (id) => runs.jobOf(id));
      },
    },
    'runs.get': {
      schema: runId,
      run: ({ runId }) => {
        reconcile();
        const steps = runs.steps.of(ctx.project().dir, runId);
        return { ...runDetail(db(), runId, runs.jobOf(runId)), ...(steps ? { steps } : {}) };
      },
    },
    'runs.lrFind': {
      schema: runOptionsSchema.and(
        z.object({ steps: positiveInt(10_000).optional(), minLr: z.number().positive().optional(), maxLr: z.number().positive().optional() }),
      ) as never,
      run: async (a: RunOptions & { steps?: number; minLr?: number; maxLr?: number }) => {
        const { steps, minLr, maxLr, ...opts } = a;
        const { data, config } = await prepare(opts);
        const lrFind = { steps: steps ?? 100, minLr: minLr ?? 1e-7, maxLr: maxLr ?? 1 };
        return { jobId: runs.launch({ runId: 0, config, manifest: data.manifest, resumeFrom: null, mode: 'lr-find', lrFind }) };
      },
    },
  };
}
