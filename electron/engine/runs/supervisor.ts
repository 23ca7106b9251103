import { mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { EngineError, cancelled } from '../../../shared/contract/errors.ts';
import type { LrFindResult, RunMetricRow, RunProgress, RunStepPoint, RunSummary } from '../../../shared/domain/run.ts';
import type { EpochMetrics, HostResult, TrainEvent } from '../../../shared/contract/model-host.ts';
import type { EventBus } from '../events.ts';
import { now } from '../db/database.ts';
import type { JobContext } from '../jobs/job-manager.ts';
import type { Project } from '../projects/project.ts';
import type { LaunchOptions } from './launch.ts';
import { majorityRate, runWarnings } from './health.ts';
import { insertMetrics, listMetrics, recordCheckpoint, updateRun } from './store.ts';
import { ModelHost, outOfMemoryMessage } from '../host/host-process.ts';

/**
 * One training request on its own model host, from start to exit: forwards the host's reports into
 * the database and events, and turns the way it ended (finished, failed, cancelled, or died) into
 * the job's result or error.
 */
export class RunSupervisor {
  readonly host: ModelHost;
  paused = false;
  /** Set when recording a report failed: the run fails with this, whatever the host says after. */
  private recordingFailed: EngineError | null = null;
  private requestId = 0;
  private progress: RunProgress;
  private readonly train: boolean;

  constructor(
    private readonly project: Project,
    private readonly events: EventBus,
    private readonly runId: number,
    private readonly opts: LaunchOptions,
    private readonly job: JobContext,
    /** Records each training step (the engine's step history); absent for LR range tests. */
    private readonly onStep?: (p: RunStepPoint) => void,
  ) {
    this.train = opts.mode === 'train';
    this.progress = { runId, jobId: job.jobId, phase: 'starting', epoch: 0, epochs: opts.config.epochs, step: 0, steps: 0, loss: null, learningRates: {}, alpha: null, imagesPerSec: null, etaSeconds: null, metrics: null, backend: null };
    this.host = new ModelHost();
  }

  /** Start training and resolve with the job's result once the host has answered (or died). */
  async run(): Promise<unknown> {
    if (this.train) updateRun(this.project.db, this.runId, { status: 'running', error: null, finished_at: null, started_at: now() });
    const { id, done } = this.host.request('train', {
      mode: this.opts.mode,
      runId: this.runId,
      config: this.opts.config,
      manifest: this.opts.manifest,
      checkpointDir: join(this.project.folder('checkpoints'), String(this.opts.runId)),
      cacheDir: this.project.folder('cache'),
      resumeFrom: this.opts.resumeFrom,
      lrFind: this.opts.lrFind,
    }, { what: 'training', outOfMemory: outOfMemoryMessage(this.opts.config.batchSize, this.opts.config.imageSize), onEvent: (e) => this.receive(e) });
    this.requestId = id;
    this.emit({ phase: 'starting' });
    const onAbort = () => {
      this.host.cancel(id);
      setTimeout(() => this.host.kill('SIGKILL'), 5000).unref();
    };
    this.job.signal.addEventListener('abort', onAbort, { once: true });
    let result: HostResult<'train'>;
    try {
      result = await done;
    } catch (e) {
      return this.concludeFailure(e);
    } finally {
      this.job.signal.removeEventListener('abort', onAbort);
      this.host.close();
    }
    return this.conclude(result);
  }

  /** Pause or resume between steps. */
  control(c: 'pause' | 'resume'): void {
    this.host.control(this.requestId, { type: c });
  }

  private emit(p: Partial<RunProgress>): void {
    this.progress = { ...this.progress, metrics: null, ...p };
    this.events.emit('run.progress', this.progress);
  }

  private receive(m: TrainEvent): void {
    try {
      this.handle(m);
    } catch (e) {
      this.recordingFailed = e instanceof EngineError ? e : new EngineError('internal', `Recording the run failed: ${(e as Error).message}`);
      this.host.kill();
    }
  }

  /** The host confirms the plan: a model other than the planned one must not train under its name. */
  private confirmPlan(built: { trainableParams: number; totalParams: number }): void {
    const planned = this.opts.expected;
    if (!planned || (planned.trainableParams === built.trainableParams && planned.totalParams === built.totalParams)) return;
    throw new EngineError(
      'internal',
      `The model host built ${built.trainableParams} trainable of ${built.totalParams} parameters, but the plan counted ${planned.trainableParams} of ${planned.totalParams}; the run was stopped so that it does not train something other than what was planned. Plan it again; if this repeats, report it.`,
    );
  }

  private handle(m: TrainEvent): void {
    const db = this.project.db;
    switch (m.type) {
      case 'ready':
        this.confirmPlan(m.plan);
        if (this.train) updateRun(db, this.runId, { backend: m.backend.backend, backend_report: m.backend.report, trainable_params: m.plan.trainableParams, total_params: m.plan.totalParams });
        return this.emit({ phase: 'training', backend: m.backend.backend });
      case 'loading':
        this.job.progress(m.done, m.total, `Reading images ${m.done}/${m.total}`, 'Reading images');
        return this.emit({ phase: 'loading', step: m.done, steps: m.total });
      case 'features':
        this.job.progress(m.done, m.total, `Computing frozen features ${m.done}/${m.total}`);
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
      case 'lrSearching':
        this.job.progress(m.step, m.steps, `Finding the learning rate: ${m.point.lr.toExponential(1)} · loss ${m.point.loss.toFixed(4)}`, 'Finding the learning rate');
        return this.emit({ phase: 'lr-search', epoch: 0, step: m.step, steps: m.steps, loss: m.point.loss, learningRates: { lr: m.point.lr } });
      case 'lrSearched':
        return this.onLrSearched(m);
    }
  }

  private onProgress(m: Extract<TrainEvent, { type: 'progress' }>): void {
    const s = m.step;
    const total = this.train ? m.epochs * s.stepsPerEpoch : s.stepsPerEpoch;
    const message = this.train
      ? `Epoch ${s.epoch + 1}/${m.epochs} · step ${s.step}/${s.stepsPerEpoch} · loss ${s.loss.toFixed(4)}`
      : `LR ${s.learningRates.lr?.toExponential(1)} · loss ${s.loss.toFixed(4)}`;
    this.job.progress(s.epoch * s.stepsPerEpoch + s.step, total, message, this.train ? 'Training' : 'Learning-rate range test');
    this.onStep?.({ x: s.epoch + s.step / s.stepsPerEpoch, loss: s.loss, learningRates: s.learningRates, alpha: m.alpha });
    this.emit({ phase: 'training', epoch: s.epoch + 1, step: s.step, steps: s.stepsPerEpoch, loss: s.loss, learningRates: s.learningRates, alpha: m.alpha, imagesPerSec: s.imagesPerSec, etaSeconds: m.etaSeconds });
  }

  /** The rates the range test chose become the run's config, so a resumed run keeps them. */
  private onLrSearched(m: Extract<TrainEvent, { type: 'lrSearched' }>): void {
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

  private onEpochEnd(m: Extract<TrainEvent, { type: 'epochEnd' }>): void {
    const db = this.project.db;
    const row = metricsRow(m.metrics, this.progress.backend);
    insertMetrics(db, this.runId, row);
    const rel = (p: string) => relative(this.project.dir, p);
    const dropped = recordCheckpoint(db, this.runId, { epoch: row.epoch, path: rel(m.checkpoint), metric: m.metrics.valLoss, isBest: m.isBest });
    if (m.isBest) updateRun(db, this.runId, { best_epoch: row.epoch, best_metric: m.metrics.valLoss });
    // Only now, with the new checkpoint recorded, may the host delete the dropped ones.
    const prune = dropped.map((p) => (isAbsolute(p) ? p : join(this.project.dir, p)));
    this.host.control(this.requestId, { type: 'checkpointRecorded', epoch: m.metrics.epoch, prune });
    this.emit({ phase: 'epoch-end', epoch: row.epoch, metrics: row });
  }

  private conclude(result: HostResult<'train'>): unknown {
    if (this.recordingFailed) throw this.fail(this.recordingFailed);
    if (result.type === 'lrFindDone') return storeLrFind(this.project, result.curve, result.suggestion);
    const summary = { ...this.summary(result.stoppedEarly, result.bestEpoch, result.stop?.message ?? null), featureRuntime: result.featureRuntime };
    if (this.train) updateRun(this.project.db, this.runId, { status: 'completed', summary, finished_at: now() });
    this.emit({ phase: 'finished' });
    return { runId: this.runId, summary };
  }

  /** The host answered with an error, or died: cancelled when the job was, else failed with the reason. */
  private concludeFailure(e: unknown): never {
    const error = e instanceof EngineError ? e : new EngineError('internal', String(e));
    if (!this.recordingFailed && (error.code === 'cancelled' || this.job.signal.aborted)) {
      if (this.train) updateRun(this.project.db, this.runId, { status: 'cancelled', finished_at: now() });
      throw cancelled(`Run ${this.runId} was cancelled; its checkpoints so far are kept.`);
    }
    throw this.fail(this.recordingFailed ?? error);
  }

  private fail(error: EngineError): EngineError {
    if (this.train) updateRun(this.project.db, this.runId, { status: 'failed', error: error.message, finished_at: now() });
    this.emit({ phase: 'finished' });
    return error;
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
