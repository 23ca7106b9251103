import type { OperatingPointFigures } from '../domain/evaluation.ts';
import { assertFiniteScores } from './finite.ts';
import { wilsonInterval } from './intervals.ts';
import { rocCurve } from './roc.ts';

/** The figures an evaluation reports for a split, at a threshold (which split, and its size, are the caller's). */
export type OperatingPoint = Omit<OperatingPointFigures, 'split' | 'images'> & {
  /** Predict positive when score >= threshold. */
  threshold: number;
};

/** Sensitivity and specificity (with 95% Wilson intervals) when predicting positive at score >= threshold. */
export function operatingPoint(yTrue: ArrayLike<number>, scores: ArrayLike<number>, threshold: number): OperatingPoint {
  // A NaN score is neither above nor below a threshold: counting it as negative would be made up.
  assertFiniteScores(scores);
  let tp = 0;
  let fn = 0;
  let tn = 0;
  let fp = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const positive = scores[i] >= threshold;
    if (yTrue[i] === 1) positive ? tp++ : fn++;
    else positive ? fp++ : tn++;
  }
  return {
    threshold,
    sensitivity: tp + fn ? tp / (tp + fn) : 0,
    specificity: tn + fp ? tn / (tn + fp) : 0,
    sensitivityInterval: wilsonInterval(tp, tp + fn),
    specificityInterval: wilsonInterval(tn, tn + fp),
    truePositives: tp,
    falseNegatives: fn,
    trueNegatives: tn,
    falsePositives: fp,
  };
}

/**
 * The operating point a clinician asks for: the highest threshold whose sensitivity reaches the
 * target (so specificity is as high as it can be at that sensitivity).
 */
export function thresholdForSensitivity(yTrue: ArrayLike<number>, scores: ArrayLike<number>, target: number): OperatingPoint {
  if (!(target > 0 && target <= 1)) throw new Error(`target sensitivity must be in (0, 1], got ${target}`);
  const { tpr, thresholds } = rocCurve(yTrue, scores);
  const i = tpr.findIndex((t) => t >= target - 1e-12);
  if (i < 0 || !Number.isFinite(tpr[i])) throw new Error('no positive examples: sensitivity is undefined');
  return operatingPoint(yTrue, scores, thresholds[i]);
}
