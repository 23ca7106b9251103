import type { EpochMetrics, StepInfo } from '../../../shared/contract/model-host.ts';
import * as tf from '@tensorflow/tfjs';
import { type Cut, INPUT_CUT, cutBefore, isInputCut } from '../backbones/arch-graph.ts';
import type { Backbone, ForwardOptions } from '../backbones/types.ts';
import { accuracy, balancedAccuracyOf, macroAuc, multiLabelAccuracy } from '../../../shared/metrics/training-metrics.ts';
import { type AugmentOptions, augmentBatch } from './augment.ts';
import { AuxHead, type AuxTaskConfig } from './aux-head.ts';
import { FeatureCache, type ImageShape, stackImages } from './feature-cache.ts';
import { sigmoidBinaryCrossEntropy, softmaxCrossEntropy } from './losses.ts';
import { lrMultiplier } from './lr.ts';
import { ParamSet } from './params.ts';
import { Rng } from './rng.ts';
import type { Strategy } from './strategies.ts';

/** Images of one split: ids, preprocessed pixels and row-major targets in the same order. */
export interface TrainData {
  ids: number[];
  /** NHWC float pixels of one image, H × W × 3 (`imageShape`), already normalised. */
  pixels(id: number): Float32Array;
  /** Height and width of every image; default the backbone's square imageSize (ResNets take any). */
  imageShape?: ImageShape;
  /** [N × K]: one-hot (single-label) or multi-hot (multi-label). */
  targets: Float32Array;
  /** [N × K_aux] and a [N] mask (1 = the image has an auxiliary label). */
  auxTargets?: Float32Array;
  auxMask?: Float32Array;
}

export interface LoopConfig {
  epochs: number;
  batchSize: number;
  seed: number;
  /** Rate of the head and the other new parts (LoRA, adapters, auxiliary head). */
  lr: number;
  /** Rate of the backbone's top body group. */
  bodyLr: number;
  /** LR ratio between neighbouring body groups (1 = same LR everywhere). */
  layerDecay: number;
  weightDecay: number;
  /** Share of all steps spent warming the LR up linearly. */
  warmupFraction: number;
  numClasses: number;
  multiLabel: boolean;
  classWeights: number[] | null;
  labelSmoothing: number;
  aux: AuxTaskConfig | null;
  /** null turns augmentation off (and frozen-prefix caching on). */
  augment: AugmentOptions | null;
  /** Stop after this many epochs without a better validation loss (0 = never). */
  patience: number;
  /** Where frozen-prefix features are cached on disk (null: memory only). */
  cacheDir: string | null;
}

// EpochMetrics and StepInfo travel to the engine as they are: one definition, in the host contract.
export type { EpochMetrics, StepInfo };

/** What survives a checkpoint besides tensors. */
export interface LoopState {
  /** Next epoch to run (0-based). */
  epoch: number;
  bestLoss: number | null;
  bestEpoch: number | null;
  badEpochs: number;
}

/** Why a run ended before its last epoch. */
export interface StopReason {
  kind: 'early-stop' | 'non-finite';
  /** One sentence for the monitor, the CLI and the model card. */
  message: string;
}

/** A NaN or infinite loss: the weights after this step are garbage, so training stops. */
export class NonFiniteLossError extends Error {
  constructor(readonly epoch: number, readonly step: number | null, readonly which: 'training' | 'validation') {
    super(`The ${which} loss became NaN or infinite at epoch ${epoch + 1}${step === null ? '' : `, step ${step}`}: training stopped. Lower the learning rate, or check the weights and images for NaN values.`);
  }
}

export interface FitHooks {
  onStep?(info: StepInfo): void;
  onEpochEnd?(metrics: EpochMetrics): Promise<void> | void;
  /** Resolves when training may go on (pause), throws to stop (cancel). Awaited between steps. */
  beforeStep?(): Promise<void>;
}

/**
 * The custom training loop: tf.variableGrads inside tf.tidy, one AdamW per parameter group, frozen
 * groups in eval mode (their BatchNorm statistics never move), the frozen prefix computed outside
 * the gradient tape — and cached across epochs when augmentation is off.
 */
export class FineTuner {
  readonly params: ParamSet;
  readonly aux: AuxHead | null;
  readonly cache: FeatureCache;
  state: LoopState = { epoch: 0, bestLoss: null, bestEpoch: null, badEpochs: 0 };
  /** Set when `fit` ends before the last epoch (early stop, NaN loss). */
  stop: StopReason | null = null;

  constructor(
    readonly backbone: Backbone,
    readonly strategy: Strategy,
    readonly config: LoopConfig,
    readonly train: TrainData,
    readonly val: TrainData,
  ) {
    this.aux = config.aux ? new AuxHead(config.aux, backbone.featureDim, config.seed) : null;
    this.params = new ParamSet(backbone, strategy, {
      lr: config.lr,
      bodyLr: config.bodyLr,
      layerDecay: config.layerDecay,
      weightDecay: config.weightDecay,
      epochs: config.epochs,
      extra: this.aux?.groups(),
    });
    this.cache = new FeatureCache(backbone, config.cacheDir);
  }

  /** The head's input: the features the head pools. */
  private get headCut(): Cut {
    return { group: this.backbone.groups.length - 1, op: 0 };
  }

  get stepsPerEpoch(): number {
    return Math.max(1, Math.floor(this.train.ids.length / this.config.batchSize));
  }

  /**
   * Train from `state.epoch` to the end; returns the epochs' metrics. Stops early when validation
   * loss has not improved for `patience` epochs, or at a NaN/Inf loss (that epoch is not reported,
   * so its weights never reach a checkpoint); `stop` says which.
   */
  async fit(hooks: FitHooks = {}): Promise<EpochMetrics[]> {
    const rows: EpochMetrics[] = [];
    this.stop = null;
    while (this.state.epoch < this.config.epochs) {
      let row: EpochMetrics;
      try {
        row = await this.runEpoch(this.state.epoch, hooks);
      } catch (e) {
        if (!(e instanceof NonFiniteLossError)) throw e;
        this.stop = { kind: 'non-finite', message: e.message };
        break;
      }
      rows.push(row);
      await hooks.onEpochEnd?.(row);
      if (this.config.patience > 0 && this.state.badEpochs >= this.config.patience && this.state.epoch < this.config.epochs) {
        const best = (this.state.bestEpoch ?? 0) + 1;
        this.stop = { kind: 'early-stop', message: `Stopped early after epoch ${this.state.epoch} of ${this.config.epochs}: the validation loss has not improved for ${this.config.patience} epochs since epoch ${best}, whose checkpoint is kept as the best.` };
        break;
      }
    }
    return rows;
  }

  /** Learning rate of every optimizer group at a global step. */
  learningRates(globalStep: number): Record<string, number> {
    const total = this.config.epochs * this.stepsPerEpoch;
    const mult = lrMultiplier(globalStep, total, Math.round(this.config.warmupFraction * total));
    return Object.fromEntries(Object.entries(this.params.baseLrs).map(([g, lr]) => [g, lr * mult]));
  }

  /** Groups [0, p) that are frozen and untouched by adapters/LoRA in `epoch`: computed without gradients. */
  frozenPrefix(epoch: number): number {
    const trainable = new Set(this.strategy.trainableGroups(epoch));
    const firstTrainable = this.backbone.groups.findIndex((g) => trainable.has(g));
    const ext = this.strategy.extension?.firstGroupIndex ?? Infinity;
    return Math.max(0, Math.min(firstTrainable, ext, this.backbone.groups.length - 1));
  }

  /**
   * Where the frozen computation of `epoch` ends: at group `frozenPrefix(epoch)`, or, when only
   * some of that group's parameters train, before the first op that reads one of them (`top` on a
   * ResNet: inside the last block, before its last convolution; see cutBefore). Everything before
   * the cut runs without gradients, once per image when it is cached.
   */
  frozenCut(epoch: number): Cut {
    const group = this.frozenPrefix(epoch);
    const trained = this.strategy.partialAt?.(epoch).get(this.backbone.groups[group]);
    return trained ? cutBefore(this.backbone.graph, group, trained) : { group, op: 0 };
  }

  async runEpoch(epoch: number, hooks: FitHooks = {}): Promise<EpochMetrics> {
    const trainable = new Set(this.strategy.trainableGroups(epoch));
    const vars = this.params.trainableVariables(trainable, epoch);
    const cut = this.frozenCut(epoch);
    const order = Rng.forEpoch(this.config.seed, epoch).permutation(this.train.ids.length);
    const augRng = Rng.forEpoch(this.config.seed + 1, epoch);
    const steps = this.stepsPerEpoch;
    const bs = Math.min(this.config.batchSize, this.train.ids.length);
    const started = performance.now();
    let lossSum = 0;
    let lrs: Record<string, number> = {};
    for (let s = 0; s < steps; s++) {
      await hooks.beforeStep?.();
      const rows = order.slice(s * bs, (s + 1) * bs);
      lrs = this.learningRates(epoch * steps + s);
      const loss = await this.step(rows, cut, trainable, vars, lrs, epoch, augRng);
      if (!Number.isFinite(loss)) throw new NonFiniteLossError(epoch, s + 1, 'training');
      lossSum += loss;
      const elapsed = (performance.now() - started) / 1000;
      hooks.onStep?.({ epoch, step: s + 1, stepsPerEpoch: steps, loss, learningRates: lrs, imagesPerSec: ((s + 1) * bs) / elapsed });
    }
    const imagesPerSec = (steps * bs) / ((performance.now() - started) / 1000);
    const v = await this.validate(this.val, cut);
    if (!Number.isFinite(v.loss)) throw new NonFiniteLossError(epoch, null, 'validation');
    const isBest = this.state.bestLoss === null || v.loss < this.state.bestLoss - 1e-7;
    this.state = {
      epoch: epoch + 1,
      bestLoss: isBest ? v.loss : this.state.bestLoss,
      bestEpoch: isBest ? epoch : this.state.bestEpoch,
      badEpochs: isBest ? 0 : this.state.badEpochs + 1,
    };
    return {
      epoch,
      trainLoss: lossSum / steps,
      valLoss: v.loss,
      valAccuracy: v.accuracy,
      valAuc: v.auc,
      valBalancedAccuracy: v.balancedAccuracy,
      alpha: this.aux ? this.aux.alpha(epoch, this.config.epochs) : null,
      imagesPerSec,
      learningRates: lrs,
      trainableGroups: [...this.backbone.groups.filter((g) => trainable.has(g)), ...this.params.extraGroups()],
      cachedPrefix: this.config.augment ? 0 : cut.group,
      isBest,
    };
  }

  /** Options for the groups from the cut on: BatchNorm trains only in trainable groups; hooks on. */
  private forwardOptions(trainable: ReadonlySet<string> | null, epoch = 0): ForwardOptions {
    const partial = this.strategy.partialAt?.(epoch);
    return { ...this.strategy.extension?.hooks, training: trainable ? (g: string) => trainable.has(g) && !partial?.has(g) : false };
  }

  /** What enters at `cut` for a batch: cached features, or computed from (augmented) pixels. */
  private async prefixInput(data: TrainData, rows: number[], cut: Cut, augRng: Rng | null): Promise<tf.Tensor> {
    const ids = rows.map((r) => data.ids[r]);
    const shape = data.imageShape ?? [this.backbone.imageSize, this.backbone.imageSize];
    const atInput = isInputCut(cut);
    if (!augRng && !atInput) return this.cache.batch(cut, ids, (id) => data.pixels(id), shape);
    return tf.tidy(() => {
      let x = stackImages(ids, (id) => data.pixels(id), shape);
      if (augRng) x = augmentBatch(x, augRng, this.config.augment ?? {});
      return atInput ? x : this.backbone.runBetween(x, INPUT_CUT, cut, { training: false });
    });
  }

  /** One optimisation step on train rows `rows` with explicit LRs (the LR range test drives this). */
  stepWith(rows: number[], epoch: number, lrs: Record<string, number>): Promise<number> {
    const trainable = new Set(this.strategy.trainableGroups(epoch));
    const rng = Rng.forEpoch(this.config.seed + 1, epoch);
    return this.step(rows, this.frozenCut(epoch), trainable, this.params.trainableVariables(trainable, epoch), lrs, epoch, rng);
  }

  private async step(rows: number[], cut: Cut, trainable: Set<string>, vars: tf.Variable[], lrs: Record<string, number>, epoch: number, augRng: Rng): Promise<number> {
    const input = await this.prefixInput(this.train, rows, cut, this.config.augment ? augRng : null);
    const opts = this.forwardOptions(trainable, epoch);
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => this.loss(this.train, rows, input, cut, opts, epoch), vars);
      for (const [group, g] of this.params.groupGrads(grads)) this.params.optimizers.get(group)!.apply(g, lrs[group]);
      return value;
    });
    input.dispose();
    // Read asynchronously: the webgpu backend cannot read synchronously in Node (no OffscreenCanvas).
    const v = (await loss.data())[0];
    loss.dispose();
    await this.aux?.refresh();
    return v;
  }

  /** Main loss (+ auxiliary) of a batch whose input enters at `cut`. */
  private loss(data: TrainData, rows: number[], input: tf.Tensor, cut: Cut, opts: ForwardOptions, epoch: number): tf.Scalar {
    const features = this.backbone.runBetween(input, cut, this.headCut, opts);
    const logits = this.backbone.forwardHead(features);
    const k = this.config.numClasses;
    const targets = tf.tensor2d(gather(data.targets, rows, k), [rows.length, k]);
    const lossOpts = { classWeights: this.config.classWeights, labelSmoothing: this.config.labelSmoothing };
    const main = this.config.multiLabel ? sigmoidBinaryCrossEntropy(logits, targets, lossOpts) : softmaxCrossEntropy(logits, targets, lossOpts);
    if (!this.aux || !data.auxTargets) return main;
    const ka = this.aux.config.numClasses;
    const auxLogits = this.aux.logits(this.backbone.forwardHead(features, { preLogits: true }));
    const auxT = tf.tensor2d(gather(data.auxTargets, rows, ka), [rows.length, ka]);
    const mask = tf.tensor1d(gather(data.auxMask ?? new Float32Array(data.ids.length).fill(1), rows, 1));
    const auxLoss = this.aux.config.multiLabel
      ? sigmoidBinaryCrossEntropy(auxLogits, auxT, { sampleWeights: mask })
      : softmaxCrossEntropy(auxLogits, auxT, { sampleWeights: mask });
    return this.aux.combine(main, auxLoss, epoch, this.config.epochs);
  }

  /** Validation in eval mode: mean loss, accuracy and macro one-vs-rest AUC. What comes before `cut` may come from the cache. */
  async validate(data: TrainData = this.val, cut = INPUT_CUT): Promise<{ loss: number; accuracy: number; auc: number | null; balancedAccuracy: number | null; scores: Float32Array }> {
    const k = this.config.numClasses;
    const n = data.ids.length;
    const scores = new Float32Array(n * k);
    let lossSum = 0;
    const bs = Math.max(1, this.config.batchSize * 2);
    for (let i = 0; i < n; i += bs) {
      const rows = Array.from({ length: Math.min(bs, n - i) }, (_, j) => i + j);
      const input = await this.prefixInput(data, rows, cut, null);
      const [loss, probs] = tf.tidy(() => {
        const features = this.backbone.runBetween(input, cut, this.headCut, this.forwardOptions(null));
        const logits = this.backbone.forwardHead(features);
        const targets = tf.tensor2d(gather(data.targets, rows, k), [rows.length, k]);
        if (this.config.multiLabel) return [sigmoidBinaryCrossEntropy(logits, targets), tf.sigmoid(logits)];
        return [softmaxCrossEntropy(logits, targets), tf.softmax(logits)];
      });
      input.dispose();
      lossSum += (await loss.data())[0] * rows.length;
      scores.set(await probs.data(), i * k);
      tf.dispose([loss, probs]);
    }
    const acc = this.config.multiLabel ? multiLabelAccuracy(scores, data.targets) : accuracy(scores, data.targets, k);
    const balancedAccuracy = this.config.multiLabel ? null : balancedAccuracyOf(scores, data.targets, k);
    return { loss: n ? lossSum / n : 0, accuracy: acc, auc: macroAuc(scores, data.targets, k), balancedAccuracy, scores };
  }

  /** Every variable a step can change: weights, BatchNorm statistics, extensions, auxiliary parts. */
  allVariables(): tf.Variable[] {
    const extra = Object.values(this.aux?.groups() ?? {}).flatMap((m) => [...m.values()]);
    return [...this.backbone.variables.values(), ...(this.strategy.extension?.variables.values() ?? []), ...extra];
  }

  dispose(): void {
    this.params.dispose();
    this.aux?.dispose();
  }
}

/** Rows `rows` of a row-major [N × k] array. */
function gather(src: Float32Array, rows: number[], k: number): Float32Array {
  const out = new Float32Array(rows.length * k);
  rows.forEach((r, i) => out.set(src.subarray(r * k, (r + 1) * k), i * k));
  return out;
}
