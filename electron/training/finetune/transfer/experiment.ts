import type { Backbone } from '../../backbones/types.ts';
import { headGroup } from '../groups.ts';
import { type LoopConfig, FineTuner, type TrainData } from '../loop.ts';
import { type StrategyName, type StrategyOptions, createStrategy, trainableSummary } from '../strategies.ts';
import { type RawSplit, pickPerClass, readFashionSplit, toTrainData } from './fashion-data.ts';

/**
 * "Learning that means something": pretrain on Fashion-MNIST classes 0-4 (the source task), then
 * learn classes 5-9 from a few labels per class with each fine-tuning strategy, against the same
 * network trained from scratch on those labels. Everything runs through the project's FineTuner and
 * strategies; seeds fix the initialisation and the batch order, the images are chosen in file order.
 */

export const SOURCE_CLASSES = [0, 1, 2, 3, 4];
export const TARGET_CLASSES = [5, 6, 7, 8, 9];

export interface PhaseConfig {
  epochs: number;
  lr: number;
  batchSize: number;
}

export interface TransferOptions {
  /** A fresh network with 5 outputs; the same seed gives the same initial weights. */
  makeBackbone(seed: number): Backbone;
  imageSize: number;
  seed: number;
  sourcePerClass: number;
  /** Labelled target images per class (the task: 50). */
  targetPerClass: number;
  testPerClass: number;
  pretrain: PhaseConfig;
  finetune: PhaseConfig;
  /** Scratch gets the same epochs; its LR may differ (a random network wants a larger one). */
  scratchLr?: number;
  /** Per-strategy LR overrides: a lone head (top) or adapters train best with a larger one. */
  strategyLr?: Partial<Record<StrategyName, number>>;
  strategies: StrategyName[];
  strategyOptions?: StrategyOptions;
  /** Where the IDX files are (default: Debian's path). */
  dir?: string;
}

export interface TransferRow {
  /** A strategy name, or 'scratch'. */
  name: string;
  /** Accuracy on the held-out t10k images of classes 5-9. */
  accuracy: number;
  /** Trainable parameters / all parameters over the run. */
  trainableShare: number;
  seconds: number;
}

export interface TransferResult {
  source: { accuracy: number; seconds: number };
  rows: TransferRow[];
}

interface Datasets {
  source: TrainData;
  sourceTest: TrainData;
  target: TrainData;
  targetVal: TrainData;
  targetTest: TrainData;
}

/** The five image sets of the experiment; the validation sets are small: they only feed the loop's per-epoch report. */
export function loadDatasets(o: Pick<TransferOptions, 'imageSize' | 'sourcePerClass' | 'targetPerClass' | 'testPerClass' | 'dir'>): Datasets {
  const train = readFashionSplit('train', o.dir);
  const test = readFashionSplit('t10k', o.dir);
  const s = o.imageSize;
  const data = (raw: RawSplit, classes: number[], n: number, skip = 0) => toTrainData(raw, pickPerClass(raw, classes, n, skip), classes, s);
  return {
    source: data(train, SOURCE_CLASSES, o.sourcePerClass),
    sourceTest: data(test, SOURCE_CLASSES, 20),
    target: data(train, TARGET_CLASSES, o.targetPerClass),
    targetVal: data(train, TARGET_CLASSES, 10, o.targetPerClass),
    targetTest: data(test, TARGET_CLASSES, o.testPerClass),
  };
}

function loopConfig(phase: PhaseConfig, seed: number, lr = phase.lr): LoopConfig {
  return {
    epochs: phase.epochs,
    batchSize: phase.batchSize,
    seed,
    lr,
    bodyLr: lr,
    layerDecay: 1,
    weightDecay: 1e-4,
    warmupFraction: 0.1,
    numClasses: TARGET_CLASSES.length,
    multiLabel: false,
    classWeights: null,
    labelSmoothing: 0,
    aux: null,
    augment: null,
    patience: 0,
    cacheDir: null,
  };
}

/** Train `backbone` with `strategy`; returns test accuracy, trainable share and wall time. */
async function trainAndTest(backbone: Backbone, name: StrategyName, cfg: LoopConfig, d: { train: TrainData; val: TrainData; test: TrainData }, so?: StrategyOptions) {
  const strategy = createStrategy(name, backbone, so);
  const share = trainableSummary(backbone, strategy, cfg.epochs).share;
  const t0 = performance.now();
  const tuner = new FineTuner(backbone, strategy, cfg, d.train, d.val);
  await tuner.fit();
  const seconds = (performance.now() - t0) / 1000;
  const accuracy = (await tuner.validate(d.test)).accuracy;
  tuner.dispose();
  strategy.extension?.dispose();
  return { accuracy, trainableShare: share, seconds };
}

/** Copy every non-head variable (BatchNorm statistics included) of `from` into `to`: the head stays fresh. */
export function copyFeatures(from: Backbone, to: Backbone): void {
  const head = headGroup(to);
  for (const [name, v] of from.variables) {
    if (to.groupOf(name) === head) continue;
    const dst = to.variables.get(name);
    if (!dst) throw new Error(`copyFeatures: ${to.arch} has no variable ${name}`);
    dst.assign(v);
  }
}

export async function runTransfer(o: TransferOptions, data: Datasets = loadDatasets(o)): Promise<TransferResult> {
  const target = { train: data.target, val: data.targetVal, test: data.targetTest };
  const source = o.makeBackbone(o.seed);
  const pre = await trainAndTest(source, 'full', loopConfig(o.pretrain, o.seed), { train: data.source, val: data.sourceTest, test: data.sourceTest });
  const rows: TransferRow[] = [];
  for (const name of o.strategies) {
    // A different init seed for the new head: the source's own head init must not leak in.
    const net = o.makeBackbone(o.seed + 1000);
    copyFeatures(source, net);
    rows.push({ name, ...(await trainAndTest(net, name, loopConfig(o.finetune, o.seed, o.strategyLr?.[name]), target, o.strategyOptions)) });
    net.dispose();
  }
  const scratch = o.makeBackbone(o.seed + 1000);
  rows.push({ name: 'scratch', ...(await trainAndTest(scratch, 'full', loopConfig(o.finetune, o.seed, o.scratchLr), target)) });
  scratch.dispose();
  if (o.strategies.includes('linear')) {
    // The control of the linear probe: the same head on the random network's features. What
    // pretraining put into the features is the distance between the two.
    const random = o.makeBackbone(o.seed + 1000);
    rows.push({ name: 'random-linear', ...(await trainAndTest(random, 'linear', loopConfig(o.finetune, o.seed, o.strategyLr?.linear), target, o.strategyOptions)) });
    random.dispose();
  }
  source.dispose();
  return { source: { accuracy: pre.accuracy, seconds: pre.seconds }, rows };
}
