import { mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { EngineError, type ErrorCode, cancelled } from '../../../shared/contract/errors.ts';
import type { LrFindResult, RunMetricRow, RunProgress, RunSummary } from '../../../shared/domain/run.ts';
import type { EpochMetrics } from '../../training/finetune/loop.ts';
import type { TrainerToEngine } from '../../training/trainer/protocol.ts';
import type { EventBus } from '../events.ts';
import { now } from '../db/database.ts';
import type { JobContext } from '../jobs/job-manager.ts';
import type { Project } from '../projects/project.ts';
import type { LaunchOptions } from './launch.ts';
import { majorityRate, runWarnings } from './health.ts';
import { insertMetrics, listMetrics, recordCheckpoint, updateRun } from './store.ts';
import { OUT_OF_MEMORY, TrainerProcess, describeExit, outOfMemoryMessage } from './trainer-process.ts';

type Outcome =
  | { kind: 'finished'; stoppedEarly: boolean; bestEpoch: number | null; stopReason: string | null }
  | { kind: 'failed'; reason: string; code: ErrorCode }
  | { kind: 'cancelled' }
  | { kind: 'lr'; result: LrFindResult };

/**
 * One trainer process from start to exit: forwards its reports into the database and events, and
 * turns the way it ended (finished, failed, cancelled, or died) into the job's result or error.
 */
export class RunSupervisor {
  readonly proc: TrainerProcess;
  paused = false;
  private outcome: Outcome | null = null;
  private progress: RunProgress;
  private readonly train: boolean;

  constructor(
    private readonly project: Project,
    private readonly events: EventBus,
    private readonly runId: number,
    private readonly opts: LaunchOptions,
    private readonly job: JobContext,
  ) {
    this.train = opts.mode === 'train';
    this.progress = { runId, jobId: job.jobId, phase: 'starting', epoch: 0, epochs: opts.config.epochs, step: 0, steps: 0, loss: null, learningRates: {}, alpha: null, imagesPerSec: null, etaSeconds: null, metrics: null, backend: null };
    this.proc = new TrainerProcess((m) => this.receive(m));
  }

  /** Start training and resolve with the job's result once the process has exited. */
  async run(): Promise<unknown> {
    if (this.train) updateRun(this.project.db, this.runId, { status: 'running', error: null, finished_at: null, started_at: now() });
    this.proc.send({
      type: 'start',
      mode: this.opts.mode,
      runId: this.runId,
      config: this.opts.config,
      manifest: this.opts.manifest,
      checkpointDir: join(this.project.folder('checkpoints'), String(this.opts.runId)),
      cacheDir: this.project.folder('cache'),
      resumeFrom: this.opts.resumeFrom,
      lrFind: this.opts.lrFind,
    });
    this.emit({ phase: 'starting' });
    const onAbort = () => {
      this.proc.send({ type: 'cancel' });
      setTimeout(() => this.proc.kill('SIGKILL'), 5000).unref();
    };
    this.job.signal.addEventListener('abort', onAbort, { once: true });
    const exit = await this.proc.exited;
    this.job.signal.removeEventListener('abort', onAbort);
    return this.conclude(describeExit(exit, this.opts.config));
  }

  private emit(p: Partial<RunProgress>): void {
    this.progress = { ...this.progress, metrics: null, ...p };
    this.events.emit('run.progress', this.progress);
  }

  private receive(m: TrainerToEngine): void {
    try {
      this.handle(m);
    } catch (e) {
      this.outcome = { kind: 'failed', reason: `Recording the run failed: ${(e as Error).message}`, code: 'internal' };
      this.proc.kill();
    }
  }

  private handle(m: TrainerToEngine): void {
    const db = this.project.db;
    switch (m.type) {
      case 'ready':
        if (this.train) updateRun(db, this.runId, { backend: m.backend.backend, backend_report: m.backend.report, trainable_params: m.plan.trainableParams, total_params: m.plan.totalParams });
        return this.emit({ phase: 'training', backend: m.backend.backend });
      case 'loading':
        this.job.progress(m.done, m.total, `Reading images ${m.done}/${m.total}`);
        return this.emit({ phase: 'loading', step: m.done, steps: m.total });
      case 'progress':
        return this.onProgress(m);
      case 'epochEnd':
        return this.onEpochEnd(m);
      case 'paused':
      case 'resumed':
        this.paused = m.type === 'paused';
        if (this.train) updateRun(db, this.runId, { status: this.paused ? 'paused' : 'running' });
        return this.emit({ phase: this.paused ? 'paused' : 'training' });
      case 'finished':
        this.outcome = { kind: 'finished', stoppedEarly: m.stoppedEarly, bestEpoch: m.bestEpoch, stopReason: m.stop?.message ?? null };
        return;
      case 'lrSearching':
        this.job.progress(m.step, m.steps, `Finding the learning rate: ${m.point.lr.toExponential(1)} · loss ${m.point.loss.toFixed(4)}`);
        return this.emit({ phase: 'lr-search', epoch: 0, step: m.step, steps: m.steps, loss: m.point.loss, learningRates: { lr: m.point.lr } });
      case 'lrSearched':
        return this.onLrSearched(m);
      case 'lrFindDone':
        this.outcome = { kind: 'lr', result: storeLrFind(this.project, m.curve, m.suggestion) };
        return;
      case 'cancelled':
        this.outcome = { kind: 'cancelled' };
        return;
      case 'failed':
        this.outcome = OUT_OF_MEMORY.test(m.reason)
          ? { kind: 'failed', reason: outOfMemoryMessage(this.opts.config.batchSize, this.opts.config.imageSize), code: 'validation' }
          : { kind: 'failed', reason: m.reason, code: m.code as ErrorCode };
    }
  }

  private onProgress(m: Extract<TrainerToEngine, { type: 'progress' }>): void {
    const s = m.step;
    const total = this.train ? m.epochs * s.stepsPerEpoch : s.stepsPerEpoch;
    const message = this.train
      ? `Epoch ${s.epoch + 1}/${m.epochs} · step ${s.step}/${s.stepsPerEpoch} · loss ${s.loss.toFixed(4)}`
      : `LR ${s.learningRates.lr?.toExponential(1)} · loss ${s.loss.toFixed(4)}`;
    this.job.progress(s.epoch * s.stepsPerEpoch + s.step, total, message);
    this.emit({ phase: 'training', epoch: s.epoch + 1, step: s.step, steps: s.stepsPerEpoch, loss: s.loss, learningRates: s.learningRates, alpha: m.alpha, imagesPerSec: s.imagesPerSec, etaSeconds: m.etaSeconds });
  }

  /** The rates the range test chose become the run's config, so a resumed run keeps them. */
  private onLrSearched(m: Extract<TrainerToEngine, { type: 'lrSearched' }>): void {
    const config = this.opts.config;
    if (!config.lrSearch) return;
    const kept = m.lr === m.suggestion ? 'the run uses it' : `outside the safe band ${fmtLr(config.lrSearch.low)}-${fmtLr(config.lrSearch.high)}, so the run uses ${fmtLr(m.lr)}`;
    const updated = {
      ...config,
      lr: m.lr,
      bodyLr: m.bodyLr,
      lrSearch: { ...config.lrSearch, suggestion: m.suggestion },
      lrNote: `${config.lrNote} An LR range test before training suggested ${fmtLr(m.suggestion)} for the new parts: ${kept} (the body keeps its ratio).`,
    };
    this.opts.config = updated;
    if (this.train) updateRun(this.project.db, this.runId, { config: updated });
  }

  private onEpochEnd(m: Extract<TrainerToEngine, { type: 'epochEnd' }>): void {
    const db = this.project.db;
    const row = metricsRow(m.metrics, this.progress.backend);
    insertMetrics(db, this.runId, row);
    const rel = (p: string) => relative(this.project.dir, p);
    const dropped = recordCheckpoint(db, this.runId, { epoch: row.epoch, path: rel(m.checkpoint), metric: m.metrics.valLoss, isBest: m.isBest });
    if (m.isBest) updateRun(db, this.runId, { best_epoch: row.epoch, best_metric: m.metrics.valLoss });
    // Only now, with the new checkpoint recorded, may the trainer delete the dropped ones.
    const prune = dropped.map((p) => (isAbsolute(p) ? p : join(this.project.dir, p)));
    this.proc.send({ type: 'checkpointRecorded', epoch: m.metrics.epoch, prune });
    this.emit({ phase: 'epoch-end', epoch: row.epoch, metrics: row });
  }

  private conclude(exitReason: string): unknown {
    const o = this.outcome;
    const db = this.project.db;
    if (o?.kind === 'lr') return o.result;
    if (o?.kind === 'finished') {
      const summary = this.summary(o.stoppedEarly, o.bestEpoch, o.stopReason);
      if (this.train) updateRun(db, this.runId, { status: 'completed', summary, finished_at: now() });
      this.emit({ phase: 'finished' });
      return { runId: this.runId, summary };
    }
    if (o?.kind === 'cancelled' || this.job.signal.aborted) {
      if (this.train) updateRun(db, this.runId, { status: 'cancelled', finished_at: now() });
      throw cancelled(`Run ${this.runId} was cancelled; its checkpoints so far are kept.`);
    }
    const reason = o?.kind === 'failed' ? o.reason : exitReason;
    if (this.train) updateRun(db, this.runId, { status: 'failed', error: reason, finished_at: now() });
    this.emit({ phase: 'finished' });
    throw new EngineError(o?.kind === 'failed' ? o.code : 'internal', reason);
  }

  /** The run's outcome, with the metrics of the checkpoint Evaluate and Export use (the best). */
  private summary(stoppedEarly: boolean, bestEpoch: number | null, stopReason: string | null): RunSummary {
    const rows = listMetrics(this.project.db, this.runId);
    const last = rows[rows.length - 1] ?? null;
    const best = bestEpoch === null ? last : (rows.find((r) => r.epoch === bestEpoch + 1) ?? last);
    const { manifest, config } = this.opts;
    const warnings = runWarnings(rows, best, { valImages: manifest.val.length, majorityRate: majorityRate(manifest.val, config.classes.length), numClasses: config.classes.length, multiLabel: config.multiLabel });
    if (stopReason && !/^Stopped early/.test(stopReason)) warnings.unshift(stopReason);
    return {
      epochs: last?.epoch ?? 0,
      stoppedEarly,
      stopReason,
      bestEpoch: bestEpoch === null ? null : bestEpoch + 1,
      metricsEpoch: best?.epoch ?? null,
      valLoss: best?.valLoss ?? null,
      valAccuracy: best?.valAccuracy ?? null,
      valAuc: best?.valAuc ?? null,
      warnings,
    };
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
    extra: { backend, trainableGroups: m.trainableGroups, cachedPrefix: m.cachedPrefix, valBalancedAccuracy: m.valBalancedAccuracy },
    at: now(),
  };
}

/** The LR range test's curve, kept in the project's cache folder. */
function storeLrFind(project: Project, curve: LrFindResult['curve'], suggestion: number): LrFindResult {
  const dir = join(project.folder('cache'), 'lr-find');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${now().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ curve, suggestion }, null, 2));
  return { curve, suggestion, path: relative(project.dir, file) };
}

function fmtLr(lr: number): string {
  return lr.toExponential(1).replace('.0e', 'e');
}
