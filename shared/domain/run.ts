/** Fine-tuning runs: strategies, resolved configuration, per-epoch metrics and progress. */

import type { InferenceRuntime } from './runtime.ts';

export const STRATEGY_NAMES = ['full', 'top', 'linear', 'gradual', 'adapter', 'lora'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];
/**
 * The fine-tuning guide's share of trained parameters per strategy (and the data size it suits),
 * shown next to each plan's actual share. `linear` (a new head only) is not in the guide.
 */
export const GUIDE_SHARES: Record<StrategyName, string> = {
  full: '100% (over 100k images)',
  top: '5-10% (under 1k images)',
  linear: 'the head only: a fast baseline',
  gradual: '20-50% (medium data)',
  adapter: '3-5%',
  lora: '0.5-1% (r=8, α=32 on q/v)',
};

/**
 * How an image of any aspect ratio becomes the model's square input. `crop`: keep-aspect resize of
 * the shorter side to size / cropPct, then a centre crop (timm's eval default; cuts the sides of
 * wide images). `pad`: keep-aspect resize of the longer side to size, then pad to square (nothing
 * is cut: radiographs, where a crop can remove anatomy).
 */
export const RESIZE_MODES = ['crop', 'pad'] as const;
export type ResizeMode = (typeof RESIZE_MODES)[number];

/**
 * The one sentence for a run without pretrained weights, the same in the plan, the CLI, the Train
 * view and the model card: what happens, what it costs, and the action that fixes it.
 */
export const FROM_SCRATCH_WARNING =
  "No pretrained weights: every layer trains from random initialisation. Expect far lower accuracy than fine-tuning; download or import the backbone's pretrained weights to fix that.";

/** What a user may ask for: a strategy by name, or `auto` (chosen from the data and the backbone). */
export type StrategyChoice = StrategyName | 'auto';

export const ALPHA_SCHEDULE_NAMES = ['constant', 'linear-decay', 'cosine', 'uncertainty'] as const;
export type AlphaScheduleName = (typeof ALPHA_SCHEDULE_NAMES)[number];

export const RUN_STATUSES = ['queued', 'running', 'paused', 'completed', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Every hyperparameter of a run, resolved (stored as the run's `config`). */
/** The automatic LR range test a plan asks for (see RunConfig.lrSearch). */
export interface LrSearch {
  steps: number;
  low: number;
  high: number;
  /** The test's suggestion, once it has run (a resumed run does not test again). */
  suggestion?: number;
}

export interface RunConfig {
  backbone: string;
  /** Weights file (timm safetensors) or null for random initialisation / the pretrained cache. */
  weights: string | null;
  pretrained: boolean;
  strategy: StrategyName;
  strategyReason: string;
  imageSize: number;
  epochs: number;
  batchSize: number;
  /** Peak rate of the new parts: head, LoRA, adapters, auxiliary head. */
  lr: number;
  /** Peak rate of the pretrained body's top group (= lr when training from scratch). */
  bodyLr: number;
  lrNote: string;
  /** LR ratio between neighbouring body groups. */
  layerDecay: number;
  weightDecay: number;
  warmupFraction: number;
  /** gradual: epochs between unfreezing steps; 0 = spread so the last is unfrozen by mid-run. */
  gradualEvery: number;
  /** gradual: share of the body unfrozen from the top, block by block; absent in runs recorded before (one group per epoch down to all). */
  unfreezeShare?: number;
  seed: number;
  multiLabel: boolean;
  classes: string[];
  classWeights: number[] | null;
  labelSmoothing: number;
  aux: { classes: string[]; multiLabel: boolean; schedule: AlphaScheduleName; alpha: number } | null;
  augment: boolean;
  horizontalFlip: boolean;
  /**
   * A short LR range test before training, where it is cheap: the head's rate becomes its
   * suggestion kept within [low, high] (the rule's rate ÷3 to ×3). Absent or null: the rule's rates.
   */
  lrSearch?: LrSearch | null;
  /** Share of the backbone's parameters adapters add; absent in runs recorded before (width channels / 16). */
  adapterShare?: number;
  /** Square input from any aspect ratio: centre crop or pad (runs recorded before it existed read as 'crop'). */
  resize: ResizeMode;
  /** Early stopping patience in epochs (0 = off). */
  patience: number;
  /** Backend rung asked for (null: the fastest that works). */
  backend: string | null;
}

/** One row of `run_metrics`: the end of an epoch (epochs count from 1). */
export interface RunMetricRow {
  epoch: number;
  trainLoss: number | null;
  valLoss: number | null;
  valAccuracy: number | null;
  valAuc: number | null;
  /** Auxiliary-task weight α(t); null without an auxiliary task. */
  alpha: number | null;
  imagesPerSec: number | null;
  learningRates: Record<string, number>;
  /** Backend, trainable groups, cached prefix. */
  extra: Record<string, unknown>;
  at: string;
}

export interface RunCheckpoint {
  epoch: number;
  /** Relative to the project directory. */
  path: string;
  metric: number | null;
  isBest: boolean;
}

export interface RunInfo {
  id: number;
  name: string;
  status: RunStatus;
  backbone: string;
  strategy: StrategyName;
  config: RunConfig;
  backend: string | null;
  trainableParams: number | null;
  totalParams: number | null;
  /** trainableParams / totalParams. */
  trainableShare: number | null;
  bestEpoch: number | null;
  /** Best validation loss. */
  bestMetric: number | null;
  summary: RunSummary | null;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Job of the trainer process while it runs in this session. */
  jobId: string | null;
}

/** One training step's loss, for the live charts; x counts epochs (2.5 = half way through epoch 3). */
export interface RunStepPoint {
  x: number;
  loss: number;
  learningRates: Record<string, number>;
  alpha: number | null;
}

export interface RunDetail extends RunInfo {
  metrics: RunMetricRow[];
  checkpoints: RunCheckpoint[];
  /**
   * Step losses of a run trained by this engine process (thinned to at most a thousand, evenly), so
   * that a reloaded window redraws the loss chart; absent for runs it did not train (the database
   * keeps epoch rows only).
   */
  steps?: RunStepPoint[];
}

/** Final numbers of a finished run. */
export interface RunSummary {
  epochs: number;
  stoppedEarly: boolean;
  /** Why the run ended before its last epoch (early stop, NaN loss), in words; null when it did not. */
  stopReason: string | null;
  bestEpoch: number | null;
  /** The metrics below are this epoch's: the checkpoint Evaluate and Export use (the best one). */
  metricsEpoch: number | null;
  valLoss: number | null;
  valAccuracy: number | null;
  valAuc: number | null;
  /** Problems the numbers show (at chance, loss not falling, NaN), each with what to do; empty when none. */
  warnings: string[];
  /** The runtime that computed the frozen features once (`top`), and why; absent when none were computed up front. */
  featureRuntime?: InferenceRuntime | null;
}

/** What `runs.plan` says before anything trains. */
export interface RunPlan {
  strategy: StrategyName;
  reason: string;
  trainableParams: number;
  totalParams: number;
  trainableShare: number;
  /** Groups that train at some point of the run. */
  trainableGroups: string[];
  lr: number;
  lrNote: string;
  /** Peak LR per optimizer group. */
  learningRates: Record<string, number>;
  trainImages: number;
  valImages: number;
  /** Train-split image count per class (main task). */
  classCounts: Record<string, number>;
  /** Rough duration and peak memory on the rung the run will most likely use, with sentences. */
  estimate: { seconds: number; rung: string; source: 'measured' | 'gflops'; text: string; memory: { peakMb: number; budgetMb: number; text: string } };
  config: RunConfig;
  /** Set by `runs.plan`: give it to `runs.start` to train exactly this plan (config, seed and counts). */
  planId?: string;
}

/** Pushed while a run trains (throttled) and at every epoch end. */
export interface RunProgress {
  runId: number;
  jobId: string;
  phase: 'starting' | 'loading' | 'lr-search' | 'training' | 'epoch-end' | 'paused' | 'finished';
  /** 1-based epoch being trained. */
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
  loss: number | null;
  learningRates: Record<string, number>;
  alpha: number | null;
  imagesPerSec: number | null;
  etaSeconds: number | null;
  /** The epoch's metrics row at `epoch-end`. */
  metrics: RunMetricRow | null;
  backend: string | null;
}

export interface LrFindPoint {
  lr: number;
  loss: number;
}

export interface LrFindResult {
  curve: LrFindPoint[];
  /** The LR where the smoothed loss falls fastest. */
  suggestion: number;
  /** Where the curve is stored (relative to the project). */
  path: string;
}
