/**
 * Training-time metrics on plain arrays, cheap enough for every epoch: arg-max accuracy and
 * one-vs-rest ROC AUC. Scores and targets are row-major [N, K]; targets are one-hot (single-label)
 * or multi-hot (multi-label). AUC comes from roc.ts, the same definition the evaluation uses, and
 * "accuracy" is the evaluation's too (top-1 for single-label, per-label for multi-label).
 *
 * Non-finite scores give NaN here rather than throwing as the evaluation's metrics do: the training
 * loop computes these before it checks the validation loss (NaN whenever the scores are), and that
 * check is what stops a diverged run cleanly, keeping its last good checkpoint. NaN is not a
 * metric either: it is never an order-dependent number.
 */
import { balancedAccuracy, confusionMatrix } from './classification.ts';
import { countNonFinite } from './finite.ts';
import { rocAuc } from './roc.ts';

/** Share of rows whose highest score is a positive class. */
export function accuracy(scores: ArrayLike<number>, targets: ArrayLike<number>, k: number): number {
  const n = scores.length / k;
  if (n === 0) return 0;
  if (countNonFinite(scores)) return NaN;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (scores[i * k + c] > scores[i * k + best]) best = c;
    if (targets[i * k + best] > 0.5) correct++;
  }
  return correct / n;
}

/**
 * Single-label balanced accuracy (mean per-class recall, the evaluation's definition) of `scores`
 * against one-hot `targets`; NaN for non-finite scores, like the other training metrics.
 */
export function balancedAccuracyOf(scores: ArrayLike<number>, targets: ArrayLike<number>, k: number): number {
  if (countNonFinite(scores)) return NaN;
  const n = targets.length / k;
  const truth = new Int32Array(n);
  const predicted = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let c = 1; c < k; c++) {
      if (targets[i * k + c] > targets[i * k + truth[i]]) truth[i] = c;
      if (scores[i * k + c] > scores[i * k + predicted[i]]) predicted[i] = c;
    }
  }
  return balancedAccuracy(confusionMatrix(truth, predicted, k));
}

/**
 * Multi-label accuracy, per label (1 - Hamming loss): the share of (image, label) decisions that are
 * right at probability >= 0.5. The one definition of multi-label "accuracy" in LabelTune; the
 * evaluation reports exact-match (subset) accuracy under that name, beside it.
 */
export function multiLabelAccuracy(probs: ArrayLike<number>, targets: ArrayLike<number>): number {
  if (probs.length === 0) return 0;
  if (countNonFinite(probs)) return NaN;
  let correct = 0;
  for (let i = 0; i < probs.length; i++) if (probs[i] >= 0.5 === targets[i] > 0.5) correct++;
  return correct / probs.length;
}

/** Macro one-vs-rest AUC over the classes that have both positives and negatives; null if none has. */
export function macroAuc(scores: ArrayLike<number>, targets: ArrayLike<number>, k: number): number | null {
  if (countNonFinite(scores)) return NaN;
  const n = scores.length / k;
  const aucs: number[] = [];
  for (let c = 0; c < k; c++) {
    const s = new Float64Array(n);
    const l = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = scores[i * k + c];
      l[i] = targets[i * k + c] > 0.5 ? 1 : 0;
    }
    const auc = rocAuc(l, s);
    if (auc !== null) aucs.push(auc);
  }
  return aucs.length ? aucs.reduce((a, b) => a + b, 0) / aucs.length : null;
}
