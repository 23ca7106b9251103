/** Evaluation of a run on a held-out split, stored predictions, and Grad-CAM explanations. */

import type { InferenceRuntime } from './runtime.ts';

export interface Interval {
  low: number;
  high: number;
}

export type EvalSplit = 'test' | 'val';

/** One-vs-rest numbers of one class (multi-label: one label). */
export interface ClassEvaluation {
  classIndex: number;
  name: string;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  support: number;
  /** ROC AUC one-vs-rest; null when the split holds only one of positive / negative. */
  auc: number | null;
  /** Percentile bootstrap 95% interval of the AUC (1000 resamples, seed 0). */
  aucInterval: Interval | null;
  averagePrecision: number | null;
  /** Thresholds decrease; the first is null (JSON for +Infinity: nothing predicted positive). */
  roc: { fpr: number[]; tpr: number[]; thresholds: (number | null)[] } | null;
  pr: { precision: number[]; recall: number[]; thresholds: number[] } | null;
  /** At the default decision (argmax for single-label, probability >= 0.5 for multi-label), 95% Wilson intervals. */
  sensitivity: number;
  specificity: number;
  sensitivityInterval: Interval;
  specificityInterval: Interval;
}

export interface ReliabilityPoint {
  meanPredicted: number;
  fractionPositive: number;
  count: number;
}

export interface MisclassifiedImage {
  imageId: number;
  /** Class indices (single-label: one). */
  truth: number[];
  predicted: number[];
  probs: number[];
}

/** Which checkpoint of a run to evaluate: the best by validation loss, or the last one written. */
export type CheckpointChoice = 'best' | 'last';

export interface EvaluationMetrics {
  runId: number;
  split: EvalSplit;
  classes: string[];
  multiLabel: boolean;
  images: number;
  /**
   * "Accuracy" as training reports it too. Single-label: top-1 accuracy. Multi-label: per-label
   * accuracy (1 - Hamming loss), the share of (image, label) decisions right at p >= 0.5; shown as
   * "accuracy (per label)" (shared/metric-names.ts).
   */
  accuracy: number;
  /** Multi-label only: the share of images with every label right (subset accuracy); null for single-label. */
  exactMatchAccuracy: number | null;
  /** Single-label only (mean recall over present classes). */
  balancedAccuracy: number | null;
  /** Single-label: confusion[true][predicted]. Multi-label: null. */
  confusion: number[][] | null;
  macro: { precision: number; recall: number; f1: number } | null;
  weighted: { precision: number; recall: number; f1: number } | null;
  perClass: ClassEvaluation[];
  /** Binary single-label tasks: the class the curves and operating point are about (index 1). */
  positiveClass: number | null;
  calibration: { ece: number; reliability: ReliabilityPoint[] };
  misclassified: MisclassifiedImage[];
  /** The checkpoint evaluated: the best by validation loss (default) or the last; absent in evaluations stored before it was recorded. */
  checkpoint?: { which: CheckpointChoice; epoch: number };
  createdAt: string;
  /** The runtime that computed the probabilities, and why (absent in evaluations stored before it was recorded). */
  runtime?: InferenceRuntime;
}

/** A threshold's sensitivity and specificity on one split, with 95% Wilson intervals. */
export interface OperatingPointFigures {
  split: EvalSplit;
  images: number;
  sensitivity: number;
  specificity: number;
  sensitivityInterval: Interval;
  specificityInterval: Interval;
  truePositives: number;
  falseNegatives: number;
  trueNegatives: number;
  falsePositives: number;
}

export interface OperatingPointResult {
  runId: number;
  className: string;
  targetSensitivity: number;
  /** Predict the class when its probability >= threshold. */
  threshold: number | null;
  /** Where the threshold was chosen (the validation split when it has positives): it reaches the target there by construction. */
  chosen: OperatingPointFigures;
  /** Where the figures to quote come from: the evaluated split (test by default). */
  reported: OperatingPointFigures;
  /** Chosen and reported on the same images: the reported figures are optimistic. */
  sameSplit: boolean;
  /** One sentence saying which split each number comes from. */
  note: string;
}

export type PredictionSort = 'entropy' | 'margin' | 'confidence';

/** A stored model prediction of one image. */
export interface Prediction {
  imageId: number;
  probs: number[];
  predictedClass: number;
  predictedName: string;
  /** Probability of the predicted class. */
  confidence: number;
  /** Shannon entropy of the probabilities in nats (multi-label: summed over labels). */
  entropy: number;
  /** Top-1 minus top-2 probability (multi-label: smallest |2p - 1|). */
  margin: number;
  createdAt: string;
}

export interface PredictionPage {
  runId: number;
  classes: string[];
  total: number;
  items: Prediction[];
}

export interface PredictResult {
  runId: number;
  predicted: number;
  scope: 'unlabeled' | 'all';
  /** The runtime that computed the probabilities, and why. */
  runtime: InferenceRuntime;
}

export interface AcceptResult {
  /** Images whose label changed. */
  accepted: number;
  /** Images already labelled as predicted. */
  unchanged: number;
  /** The label batch written (empty when nothing changed): every predicted class in it, one undo step. */
  batchIds: string[];
}

export interface Heatmap {
  width: number;
  height: number;
  /** Row-major, in [0, 1]. */
  values: number[];
}

export interface GradCamResult {
  runId: number;
  imageId: number;
  classIndex: number;
  className: string;
  probs: number[];
  /** At the model's feature resolution (ResNet: last stage; ViT: patch grid). */
  grid: Heatmap;
  /** Bilinearly upsampled to the model's input (the preprocessed crop). */
  heatmap: Heatmap;
}
