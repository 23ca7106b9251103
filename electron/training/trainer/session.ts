import { readdirSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { EngineError, cancelled } from '../../../shared/contract/errors.ts';
import type { RunConfig } from '../../../shared/domain/run.ts';
import { selectBackend } from '../backends/ladder.ts';
import { activeWebgpu } from '../backends/webgpu-backend.ts';
import { loadCheckpoint, saveCheckpoint } from '../finetune/checkpoint.ts';
import { type EpochMetrics, type LoopConfig, FineTuner, type TrainData } from '../finetune/loop.ts';
import { lrFind } from '../finetune/lr-find.ts';
import { searchLr } from '../finetune/lr-search.ts';
import { createStrategy, trainableSummary } from '../finetune/strategies.ts';
import { buildBackbone, strategyOptions, preprocessFor } from './model.ts';
import { PixelStore } from './pixels.ts';
import type { ManifestItem, TrainArgs, TrainControl, TrainEvent, TrainResult } from '../../../shared/contract/model-host.ts';
import type { InferenceRuntime } from '../../../shared/domain/runtime.ts';

const PROGRESS_INTERVAL_MS = 250;

/** One training (or LR range test) inside the model host, driven by the engine's controls. */
export class TrainerSession {
  private paused = false;
  private cancelRequested = false;
  private wake: (() => void) | null = null;
  /** Epochs whose checkpoint the engine has yet to record, with what to do once it has. */
  private readonly unrecorded = new Map<number, (prune: string[]) => void>();

  constructor(
    private readonly send: (m: TrainEvent) => void,
    /**
     * Computes the frozen features the loop caches before training, in another runtime (the model
     * host's onnxruntime pass); returns that runtime, or null when there was nothing to compute.
     */
    private readonly precompute?: (tuner: FineTuner, onProgress: (done: number, total: number) => void, gate: () => Promise<void>) => Promise<InferenceRuntime | null>,
  ) {}

  handle(msg: TrainControl | { type: 'cancel' }): void {
    if (msg.type === 'checkpointRecorded') {
      this.unrecorded.get(msg.epoch)?.(msg.prune);
      this.unrecorded.delete(msg.epoch);
      return;
    }
    if (msg.type === 'pause') this.paused = true;
    if (msg.type === 'resume') this.paused = false;
    if (msg.type === 'cancel') this.cancelRequested = true;
    if (msg.type !== 'pause') this.wake?.();
  }

  /** Awaited between steps: holds while paused, throws `cancelled` when asked to stop. */
  private readonly gate = async (): Promise<void> => {
    await new Promise<void>((r) => setImmediate(r)); // let pause/cancel messages in
    if (this.paused && !this.cancelRequested) {
      this.send({ type: 'paused' });
      while (this.paused && !this.cancelRequested) await new Promise<void>((r) => (this.wake = r));
      this.wake = null;
      if (!this.cancelRequested) this.send({ type: 'resumed' });
    }
    if (this.cancelRequested) throw cancelled('The run was cancelled.');
    const gpu = activeWebgpu()?.failure();
    if (gpu) throw gpuFailed(gpu);
  };

  async run(start: TrainArgs): Promise<TrainResult> {
    const selection = await selectBackend({ prefer: (start.config.backend ?? undefined) as never, log: () => {} });
    const tuner = await this.prepare(start);
    try {
      const summary = trainableSummary(tuner.backbone, tuner.strategy, start.config.epochs);
      let aux = 0;
      for (const vars of Object.values(tuner.aux?.groups() ?? {})) for (const v of vars.values()) aux += v.size;
      this.send({
        type: 'ready',
        backend: { backend: selection.backend, report: selection.report },
        plan: { trainableParams: summary.trainableParams + aux, totalParams: summary.totalParams + aux, groups: [...summary.groups, ...Object.keys(tuner.aux?.groups() ?? {})] },
      });
      return await failOnGpuLoss(async () => {
        if (start.resumeFrom && start.mode === 'train') await loadCheckpoint(tuner, start.resumeFrom);
        const featureRuntime = (await this.precompute?.(tuner, (done, total) => this.send({ type: 'features', done, total }), this.gate)) ?? null;
        if (start.mode === 'lr-find') return await this.lrFind(tuner, start);
        if (!start.resumeFrom && start.config.lrSearch && start.config.lrSearch.suggestion === undefined) await this.searchLr(tuner, start.config);
        return { ...(await this.train(tuner, start)), featureRuntime };
      });
    } finally {
      tuner.dispose();
      tuner.backbone.dispose();
    }
  }

  private async prepare(start: TrainArgs): Promise<FineTuner> {
    const { config, manifest } = start;
    const pixels = new PixelStore(start.cacheDir, preprocessFor(config));
    const all = [...manifest.train, ...manifest.val];
    await pixels.load(all, (done) => {
      if (done === all.length || done % 16 === 0) this.send({ type: 'loading', done, total: all.length });
    });
    const backbone = await buildBackbone(config);
    const strategy = createStrategy(config.strategy, backbone, strategyOptions(config));
    const data = (items: ManifestItem[]) => toTrainData(items, config, (id) => pixels.get(id));
    return new FineTuner(backbone, strategy, loopConfig(config, start.cacheDir), data(manifest.train), data(manifest.val));
  }

  private async train(tuner: FineTuner, start: TrainArgs): Promise<Omit<Extract<TrainResult, { type: 'finished' }>, 'featureRuntime'>> {
    const epochs = start.config.epochs;
    let lastSent = 0;
    const stepStart = performance.now();
    const stepsAtStart = tuner.state.epoch * tuner.stepsPerEpoch;
    await tuner.fit({
      beforeStep: this.gate,
      onStep: (step) => {
        const now = performance.now();
        if (now - lastSent < PROGRESS_INTERVAL_MS && step.step < step.stepsPerEpoch) return;
        lastSent = now;
        const done = step.epoch * step.stepsPerEpoch + step.step - stepsAtStart;
        const left = epochs * step.stepsPerEpoch - (stepsAtStart + done);
        const eta = done > 0 ? (left * (now - stepStart)) / done / 1000 : null;
        this.send({ type: 'progress', step, epochs, alpha: tuner.aux ? tuner.aux.alpha(step.epoch, epochs) : null, etaSeconds: eta });
      },
      onEpochEnd: (metrics) => this.checkpoint(tuner, start, metrics),
    });
    if (tuner.stop?.kind === 'non-finite' && tuner.state.bestEpoch === null) {
      // Nothing good to keep: no epoch finished with finite losses.
      throw new EngineError('validation', tuner.stop.message.replace('training stopped', 'no checkpoint was written'));
    }
    const stoppedEarly = tuner.state.epoch < epochs;
    return { type: 'finished', stoppedEarly, bestEpoch: tuner.state.bestEpoch, stop: tuner.stop };
  }

  /**
   * Write the checkpoint, have the engine record it, and only then delete the ones the engine
   * dropped: a kill between any two steps leaves the database naming files that exist.
   */
  private async checkpoint(tuner: FineTuner, start: TrainArgs, metrics: EpochMetrics): Promise<void> {
    const checkpoint = await saveCheckpoint(tuner, start.checkpointDir, metrics.epoch);
    crashHook(metrics.epoch, 'written');
    const recorded = new Promise<string[]>((done) => this.unrecorded.set(metrics.epoch, done));
    this.send({ type: 'epochEnd', metrics, checkpoint, isBest: metrics.isBest });
    const prune = await recorded;
    crashHook(metrics.epoch, 'recorded');
    pruneCheckpoints(start.checkpointDir, prune);
    crashHook(metrics.epoch, 'pruned');
  }

  /** The plan's range test before training; the engine records the rates the run then uses. */
  private async searchLr(tuner: FineTuner, config: RunConfig): Promise<void> {
    const search = config.lrSearch!;
    let lastSent = 0;
    const found = await searchLr(tuner, search, this.gate, (step, point) => {
      if (performance.now() - lastSent < PROGRESS_INTERVAL_MS && step < search.steps) return;
      lastSent = performance.now();
      this.send({ type: 'lrSearching', step, steps: search.steps, point });
    });
    const factor = found.used / config.lr;
    this.send({ type: 'lrSearched', suggestion: found.suggestion, lr: found.used, bodyLr: config.bodyLr * factor });
  }

  private async lrFind(tuner: FineTuner, start: TrainArgs): Promise<TrainResult> {
    const opts = start.lrFind ?? { steps: 100, minLr: 1e-7, maxLr: 1 };
    const { curve, suggestion } = await lrFind(tuner, {
      ...opts,
      beforeStep: this.gate,
      onStep: (step, point) =>
        this.send({
          type: 'progress',
          step: { epoch: 0, step, stepsPerEpoch: opts.steps, loss: point.loss, learningRates: { lr: point.lr }, imagesPerSec: 0 },
          epochs: 1,
          alpha: null,
          etaSeconds: null,
        }),
    });
    return { type: 'lrFindDone', curve, suggestion };
  }
}

/** The job's error when the GPU device was lost or ran out of memory: what happened, what is kept, how to go on. */
export function gpuFailed(reason: string): EngineError {
  return new EngineError('internal', `Training stopped on the GPU: ${reason}. The checkpoints of the finished epochs are kept: ` +
    'resume the run to continue from the last one, on another backend if the GPU stays unusable (labeltune train PROJECT --resume RUN --backend wasm).');
}

/**
 * Runs `work`, failing with the GPU's reason as soon as the webgpu device fails: a read from a
 * lost device may never return, and any other error it causes is a symptom of the loss.
 */
export async function failOnGpuLoss<T>(work: () => Promise<T>): Promise<T> {
  const gpu = activeWebgpu();
  if (!gpu) return work();
  const lost = gpu.failed.then((why) => Promise.reject(gpuFailed(why)));
  try {
    return await Promise.race([work(), lost]);
  } catch (e) {
    const why = gpu.failure();
    throw why && !(e instanceof EngineError && e.message.startsWith('Training stopped on the GPU')) ? gpuFailed(why) : e;
  }
}

/** Delete the checkpoint files the engine dropped; only checkpoint files of this run's folder. */
export function pruneCheckpoints(dir: string, files: string[]): void {
  for (const f of files) {
    if (dirname(resolve(f)) !== resolve(dir) || !/^epoch-\d+\.safetensors$/.test(basename(f))) continue;
    rmSync(f, { force: true });
    // Files derived from a checkpoint are named after it (the model host's cached ONNX conversions).
    for (const derived of readdirSync(dir).filter((n) => n.startsWith(`${basename(f)}.`))) rmSync(join(dir, derived), { force: true });
  }
}

/**
 * Test hook, a trainer dying at a checkpoint step: LABELTUNE_TRAINER_CRASH_AFTER_EPOCH=N (1-based)
 * exits after epoch N's checkpoint is `written`, `recorded` by the engine, or `pruned` (the default),
 * as LABELTUNE_TRAINER_CRASH_POINT says.
 */
function crashHook(epoch: number, point: 'written' | 'recorded' | 'pruned'): void {
  const at = Number(process.env.LABELTUNE_TRAINER_CRASH_AFTER_EPOCH ?? 0);
  if (at && epoch + 1 === at && (process.env.LABELTUNE_TRAINER_CRASH_POINT ?? 'pruned') === point) process.exit(70);
}

function loopConfig(config: RunConfig, cacheDir: string): LoopConfig {
  // Disk-cached features are only valid for the same starting weights and pixels: random inits stay in memory.
  const key = createHash('sha1').update(JSON.stringify([config.backbone, config.weights, config.imageSize, config.resize])).digest('hex').slice(0, 12);
  return {
    epochs: config.epochs,
    batchSize: config.batchSize,
    seed: config.seed,
    lr: config.lr,
    // Runs recorded before the body had its own rate trained every group at `lr`.
    bodyLr: config.bodyLr ?? config.lr,
    layerDecay: config.layerDecay,
    weightDecay: config.weightDecay,
    warmupFraction: config.warmupFraction,
    numClasses: config.classes.length,
    multiLabel: config.multiLabel,
    classWeights: config.classWeights,
    labelSmoothing: config.labelSmoothing,
    aux: config.aux ? { numClasses: config.aux.classes.length, multiLabel: config.aux.multiLabel, schedule: config.aux.schedule, alpha: config.aux.alpha } : null,
    augment: config.augment ? { horizontalFlip: config.horizontalFlip } : null,
    patience: config.patience,
    cacheDir: config.weights ? join(cacheDir, 'features', key) : null,
  };
}

function toTrainData(items: ManifestItem[], config: RunConfig, pixels: (id: number) => Float32Array): TrainData {
  const k = config.classes.length;
  const targets = new Float32Array(items.length * k);
  items.forEach((it, i) => it.classes.forEach((c) => (targets[i * k + c] = 1)));
  const data: TrainData = { ids: items.map((i) => i.id), pixels, targets };
  if (config.aux) {
    const ka = config.aux.classes.length;
    data.auxTargets = new Float32Array(items.length * ka);
    data.auxMask = new Float32Array(items.length);
    items.forEach((it, i) => {
      if (!it.aux) return;
      data.auxMask![i] = 1;
      it.aux.forEach((c) => (data.auxTargets![i * ka + c] = 1));
    });
  }
  return data;
}
