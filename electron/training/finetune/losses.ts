import * as tf from '@tensorflow/tfjs';

export interface LossOptions {
  /** Weight per class (single-label) or positive weight per class (multi-label). */
  classWeights?: number[] | null;
  /** Label smoothing ε: targets become (1-ε)·y + ε/K (softmax) or (1-ε)·y + ε/2 (sigmoid). */
  labelSmoothing?: number;
  /** Per-sample weight [N] (0 leaves a sample out, e.g. an image without an auxiliary label). */
  sampleWeights?: tf.Tensor1D;
}

/**
 * Softmax cross-entropy against one-hot targets [N, K]. With class weights the mean is weighted as
 * torch does it: Σ w_i·l_i / Σ w_i.
 */
export function softmaxCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D, opts: LossOptions = {}): tf.Scalar {
  return tf.tidy(() => {
    const k = logits.shape[1];
    const eps = opts.labelSmoothing ?? 0;
    const smoothed = eps > 0 ? tf.add(tf.mul(targets, 1 - eps), eps / k) : targets;
    const perSample = tf.neg(tf.sum(tf.mul(smoothed, tf.logSoftmax(logits)), 1));
    let w: tf.Tensor = opts.classWeights ? tf.sum(tf.mul(targets, tf.tensor1d(opts.classWeights)), 1) : tf.onesLike(perSample);
    if (opts.sampleWeights) w = tf.mul(w, opts.sampleWeights);
    return tf.div(tf.sum(tf.mul(w, perSample)), tf.maximum(tf.sum(w), 1e-12)) as tf.Scalar;
  });
}

/**
 * Sigmoid binary cross-entropy for multi-label targets [N, K], stable form with torch's pos_weight:
 * (1-y)·x + (1 + (p-1)·y)·softplus(-x).
 */
export function sigmoidBinaryCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D, opts: LossOptions = {}): tf.Scalar {
  return tf.tidy(() => {
    const eps = opts.labelSmoothing ?? 0;
    const y = eps > 0 ? tf.add(tf.mul(targets, 1 - eps), eps / 2) : targets;
    const p = opts.classWeights ? tf.tensor1d(opts.classWeights) : tf.onesLike(logits);
    const coef = tf.add(1, tf.mul(tf.sub(p, 1), y));
    const elem = tf.add(tf.mul(tf.sub(1, y), logits), tf.mul(coef, tf.softplus(tf.neg(logits))));
    const perSample = tf.mean(elem, 1);
    const w: tf.Tensor = opts.sampleWeights ?? tf.onesLike(perSample);
    return tf.div(tf.sum(tf.mul(w, perSample)), tf.maximum(tf.sum(w), 1e-12)) as tf.Scalar;
  });
}

/** Imbalance (largest / smallest class count) from which class weighting switches on by default. */
export const IMBALANCE_RATIO = 1.5;

/**
 * Single-label class weights N / (K · n_c) from the train split's counts, or null when the classes
 * are balanced enough that weighting would only add noise. Empty classes get weight 0.
 */
export function classWeightsFromCounts(counts: number[], force = false): number[] | null {
  const present = counts.filter((c) => c > 0);
  if (present.length === 0) return null;
  if (!force && Math.max(...present) / Math.min(...present) < IMBALANCE_RATIO) return null;
  const n = present.reduce((a, b) => a + b, 0);
  return counts.map((c) => (c > 0 ? n / (present.length * c) : 0));
}

/** Multi-label positive weights negatives / positives per class (torch's pos_weight), or null when balanced. */
export function positiveWeightsFromCounts(positives: number[], total: number, force = false): number[] | null {
  const ratios = positives.map((p) => (p > 0 ? (total - p) / p : 1));
  if (!force && ratios.every((r) => r < IMBALANCE_RATIO && r > 1 / IMBALANCE_RATIO)) return null;
  return ratios;
}
