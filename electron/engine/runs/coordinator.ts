import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { EngineError, cancelled, conflict } from '../../../shared/contract/errors.ts';
import type { LrFindResult, RunConfig, RunMetricRow, RunProgress, RunSummary } from '../../../shared/domain/run.ts';
import type { EpochMetrics } from '../../training/finetune/loop.ts';
import type { DataManifest, TrainerToEngine } from '../../training/trainer/protocol.ts';
import type { EngineContext } from '../context.ts';
import { now } from '../db/database.ts';
import type { JobContext } from '../jobs/job-manager.ts';
import type { Project } from '../projects/project.ts';
import { insertMetrics, recordCheckpoint, updateRun } from './store.ts';
import { TrainerProcess, describeExit } from './trainer-process.ts';

/** A trainer process this engine session is running. */
interface LiveRun {
  jobId: string;
  proc: TrainerProcess;
  paused: boolean;
}

export interface LaunchOptions {
  runId: number;
  config: RunConfig;
  manifest: DataManifest;
  resumeFrom: string | null;
  mode: 'train' | 'lr-find';
  lrFind?: { steps: number; minLr: number; maxLr: number };
}

const coordinators = new WeakMap<EngineContext, RunCoordinator>();

/** The one coordinator of an engine (handlers, the CLI and tests share it). */
export function coordinatorFor(ctx: EngineContext): RunCoordinator {
  let c = coordinators.get(ctx);
  if (!c) coordinators.set(ctx, (c = new RunCoordinator(ctx)));
  return c;
}

/**
 * The engine side of training: starts trainer processes as jobs, turns their reports into runs /
 * run_metrics / checkpoints rows and `run.progress` events, and marks a run failed (with the
 * reason) when its trainer dies. The engine keeps serving whatever the trainer does.
 */
export class RunCoordinator {
  private readonly live = new Map<number, LiveRun>();
  private nextLrFind = -1;

  constructor(private readonly ctx: EngineContext) {}

  jobOf(runId: number): string | null {
    return this.live.get(runId)?.jobId ?? null;
  }

  /** Process id of a run's trainer (tests kill it). */
  pid(runId: number): number | undefined {
    return this.live.get(runId)?.proc.pid;
  }

  isLive(runId: number): boolean {
    return this.live.has(runId);
  }

  launch(opts: LaunchOptions): string {
    const project = this.ctx.project();
    const runId = opts.mode === 'lr-find' ? this.nextLrFind-- : opts.runId;
    if (this.live.has(runId)) throw conflict(`Run ${runId} is already training.`);
    const kind = opts.mode === 'lr-find' ? 'lr-find' : 'train';
    const jobId = this.ctx.jobs.start(kind, { runId: opts.runId, backbone: opts.config.backbone }, (job) => this.supervise(project, runId, opts, job));
    return jobId;
  }

  pause(runId: number): void {
    const run = this.live.get(runId);
    if (!run) throw conflict(`Run ${runId} is not training in this session, so it cannot be paused.`);
    run.proc.send({ type: 'pause' });
  }

  /** Continue a live paused run; false when there is no live process (the caller relaunches). */
  resumeLive(runId: number): string | null {
    const run = this.live.get(runId);
    if (!run) return null;
    if (!run.paused) throw conflict(`Run ${runId} is already running.`);
    run.proc.send({ type: 'resume' });
    return run.jobId;
  }

  cancel(runId: number): boolean {
    const run = this.live.get(runId);
    if (!run) return false;
    this.ctx.jobs.cancel(run.jobId);
    return true;
  }

  private supervise(project: Project, runId: number, opts: LaunchOptions, job: JobContext): Promise<unknown> {
    const db = project.db;
    const checkpointDir = join(project.folder('checkpoints'), String(opts.runId));
    let outcome: { kind: 'finished'; summary: RunSummary } | { kind: 'failed'; reason: string; code: string } | { kind: 'cancelled' } | { kind: 'lr'; result: LrFindResult } | null = null;
    const tracker = new ProgressTracker(runId, job.jobId, opts.config.epochs);
    const emit = (p: Partial<RunProgress>) => this.ctx.events.emit('run.progress', tracker.update(p));
    const onMessage = (m: TrainerToEngine) => {
      try {
        const result = this.onMessage(project, runId, opts, m, job, emit, tracker);
        if (result) outcome = result;
      } catch (e) {
        outcome = { kind: 'failed', reason: `Recording the run failed: ${(e as Error).message}`, code: 'internal' };
        proc.kill();
      }
    };
    const proc = new TrainerProcess(onMessage);
    this.live.set(runId, { jobId: job.jobId, proc, paused: false });
    if (opts.mode === 'train') updateRun(db, runId, { status: 'running', error: null, finished_at: null, started_at: now() });
    proc.send({
      type: 'start',
      mode: opts.mode,
      runId,
      config: opts.config,
      manifest: opts.manifest,
      checkpointDir,
      cacheDir: project.folder('cache'),
      resumeFrom: opts.resumeFrom,
      lrFind: opts.lrFind,
    });
    emit({ phase: 'starting' });
    const onAbort = () => {
      proc.send({ type: 'cancel' });
      setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
    };
    job.signal.addEventListener('abort', onAbort, { once: true });
    return proc.exited.then((exit) => {
      job.signal.removeEventListener('abort', onAbort);
      this.live.delete(runId);
      return this.conclude(project, runId, opts, outcome, describeExit(exit), job.signal.aborted, emit);
    });
  }

  private conclude(project: Project, runId: number, opts: LaunchOptions, outcome: unknown, exitReason: string, aborted: boolean, emit: (p: Partial<RunProgress>) => void): unknown {
    const o = outcome as { kind: string; summary?: RunSummary; reason?: string; code?: string; result?: LrFindResult } | null;
    const db = project.db;
    const train = opts.mode === 'train';
    if (o?.kind === 'lr' && o.result) return o.result;
    if (o?.kind === 'finished') {
      if (train) updateRun(db, runId, { status: 'completed', summary: o.summary, finished_at: now() });
      emit({ phase: 'finished' });
      return { runId, summary: o.summary };
    }
    if (o?.kind === 'cancelled' || aborted) {
      if (train) updateRun(db, runId, { status: 'cancelled', finished_at: now() });
      throw cancelled(`Run ${runId} was cancelled; its checkpoints so far are kept.`);
    }
    const reason = o?.kind === 'failed' ? o.reason! : exitReason;
    if (train) updateRun(db, runId, { status: 'failed', error: reason, finished_at: now() });
    emit({ phase: 'finished' });
    throw new EngineError(o?.kind === 'failed' && o.code ? (o.code as never) : 'internal', reason);
  }

  private onMessage(project: Project, runId: number, opts: LaunchOptions, m: TrainerToEngine, job: JobContext, emit: (p: Partial<RunProgress>) => void, tracker: ProgressTracker) {
    const db = project.db;
    const train = opts.mode === 'train';
    switch (m.type) {
      case 'ready':
        if (train) updateRun(db, runId, { backend: m.backend.backend, backend_report: m.backend.report, trainable_params: m.plan.trainableParams, total_params: m.plan.totalParams });
        emit({ phase: 'training', backend: m.backend.backend });
        return null;
      case 'loading':
        job.progress(m.done, m.total, `Reading images ${m.done}/${m.total}`);
        emit({ phase: 'loading', step: m.done, steps: m.total });
        return null;
      case 'progress': {
        const s = m.step;
        const total = opts.mode === 'train' ? m.epochs * s.stepsPerEpoch : s.stepsPerEpoch;
        const msg = train ? `Epoch ${s.epoch + 1}/${m.epochs} · step ${s.step}/${s.stepsPerEpoch} · loss ${s.loss.toFixed(4)}` : `LR ${s.learningRates.lr?.toExponential(1)} · loss ${s.loss.toFixed(4)}`;
        job.progress(s.epoch * s.stepsPerEpoch + s.step, total, msg);
        emit({ phase: 'training', epoch: s.epoch + 1, step: s.step, steps: s.stepsPerEpoch, loss: s.loss, learningRates: s.learningRates, alpha: m.alpha, imagesPerSec: s.imagesPerSec, etaSeconds: m.etaSeconds });
        return null;
      }
      case 'epochEnd': {
        const row = metricsRow(m.metrics, tracker.backend);
        insertMetrics(db, runId, row);
        const rel = (p: string) => relative(project.dir, p);
        recordCheckpoint(db, runId, { epoch: row.epoch, path: rel(m.checkpoint), metric: m.metrics.valLoss, isBest: m.isBest }, m.pruned.map(rel));
        if (m.isBest) updateRun(db, runId, { best_epoch: row.epoch, best_metric: m.metrics.valLoss });
        tracker.last = row;
        emit({ phase: 'epoch-end', epoch: row.epoch, metrics: row });
        return null;
      }
      case 'paused':
      case 'resumed': {
        const live = this.live.get(runId);
        if (live) live.paused = m.type === 'paused';
        if (train) updateRun(db, runId, { status: m.type === 'paused' ? 'paused' : 'running' });
        emit({ phase: m.type === 'paused' ? 'paused' : 'training' });
        return null;
      }
      case 'finished':
        return { kind: 'finished' as const, summary: summaryOf(tracker.last, m.stoppedEarly, m.bestEpoch, project, runId) };
      case 'lrFindDone':
        return { kind: 'lr' as const, result: storeLrFind(project, m.curve, m.suggestion) };
      case 'cancelled':
        return { kind: 'cancelled' as const };
      case 'failed':
        return { kind: 'failed' as const, reason: m.reason, code: m.code };
    }
  }
}

/** Keeps the last known values so every `run.progress` event is complete. */
class ProgressTracker {
  backend: string | null = null;
  last: RunMetricRow | null = null;
  private state: RunProgress;

  constructor(runId: number, jobId: string, epochs: number) {
    this.state = { runId, jobId, phase: 'starting', epoch: 0, epochs, step: 0, steps: 0, loss: null, learningRates: {}, alpha: null, imagesPerSec: null, etaSeconds: null, metrics: null, backend: null };
  }

  update(p: Partial<RunProgress>): RunProgress {
    if (p.backend) this.backend = p.backend;
    this.state = { ...this.state, metrics: null, ...p, backend: this.backend };
    return this.state;
  }
}

function metricsRow(m: EpochMetrics, backend: string | null): RunMetricRow {
  return {
    epoch: m.epoch + 1,
    trainLoss: m.trainLoss,
    valLoss: m.valLoss,
    valAccuracy: m.valAccuracy,
    valAuc: m.valAuc,
    alpha: m.alpha,
    imagesPerSec: m.imagesPerSec,
    learningRates: m.learningRates,
    extra: { backend, trainableGroups: m.trainableGroups, cachedPrefix: m.cachedPrefix },
    at: now(),
  };
}

function summaryOf(last: RunMetricRow | null, stoppedEarly: boolean, bestEpoch: number | null, project: Project, runId: number): RunSummary {
  const row = last ?? (project.db.prepare('SELECT epoch, val_loss AS valLoss, val_accuracy AS valAccuracy, val_auc AS valAuc FROM run_metrics WHERE run_id = ? ORDER BY epoch DESC LIMIT 1').get(runId) as RunMetricRow | undefined) ?? null;
  return {
    epochs: row?.epoch ?? 0,
    stoppedEarly,
    bestEpoch: bestEpoch === null ? null : bestEpoch + 1,
    valLoss: row?.valLoss ?? null,
    valAccuracy: row?.valAccuracy ?? null,
    valAuc: row?.valAuc ?? null,
  };
}

function storeLrFind(project: Project, curve: LrFindResult['curve'], suggestion: number): LrFindResult {
  const dir = join(project.folder('cache'), 'lr-find');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${now().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ curve, suggestion }, null, 2));
  return { curve, suggestion, path: relative(project.dir, file) };
}
