/**
 * Threshold curves for one binary problem (positive = 1): ROC, precision-recall, their areas.
 * Semantics follow scikit-learn exactly (ties handled as one threshold; the ROC starts at
 * threshold +Infinity), so numbers can be checked against it. NaN or infinite scores throw
 * (NonFiniteScoresError): sorted, they would give an order-dependent curve.
 */
import { assertFiniteScores } from './finite.ts';

export interface RocCurve {
  fpr: number[];
  tpr: number[];
  /** Decreasing; the first is +Infinity (nothing predicted positive). */
  thresholds: number[];
}

export interface PrCurve {
  /** Ends with precision 1 at recall 0, as scikit-learn's precision_recall_curve. */
  precision: number[];
  recall: number[];
  thresholds: number[];
}

interface Counts {
  /** Distinct score thresholds, decreasing. */
  thresholds: number[];
  /** Cumulative true / false positives when predicting positive at score >= threshold. */
  tps: number[];
  fps: number[];
  positives: number;
  negatives: number;
}

function cumulativeCounts(yTrue: ArrayLike<number>, scores: ArrayLike<number>): Counts {
  if (yTrue.length !== scores.length) throw new Error(`labels (${yTrue.length}) and scores (${scores.length}) differ in length`);
  assertFiniteScores(scores);
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const thresholds: number[] = [];
  const tps: number[] = [];
  const fps: number[] = [];
  let tp = 0;
  let fp = 0;
  order.forEach((idx, rank) => {
    if (yTrue[idx] === 1) tp++;
    else fp++;
    const next = order[rank + 1];
    if (next === undefined || scores[next] !== scores[idx]) {
      thresholds.push(scores[idx]);
      tps.push(tp);
      fps.push(fp);
    }
  });
  return { thresholds, tps, fps, positives: tp, negatives: fp };
}

export function rocCurve(yTrue: ArrayLike<number>, scores: ArrayLike<number>): RocCurve {
  const c = cumulativeCounts(yTrue, scores);
  return {
    fpr: [0, ...c.fps.map((f) => (c.negatives ? f / c.negatives : NaN))],
    tpr: [0, ...c.tps.map((t) => (c.positives ? t / c.positives : NaN))],
    thresholds: [Infinity, ...c.thresholds],
  };
}

/** Area under the ROC curve (trapezoids); null when only one class is present. */
export function rocAuc(yTrue: ArrayLike<number>, scores: ArrayLike<number>): number | null {
  const { fpr, tpr } = rocCurve(yTrue, scores);
  if (!Number.isFinite(fpr[1]) || !Number.isFinite(tpr[1])) return null;
  let area = 0;
  for (let i = 1; i < fpr.length; i++) area += ((fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1])) / 2;
  return area;
}

export function prCurve(yTrue: ArrayLike<number>, scores: ArrayLike<number>): PrCurve {
  const c = cumulativeCounts(yTrue, scores);
  // Reversed so that recall decreases, then the (recall 0, precision 1) end point, as scikit-learn.
  const precision = c.tps.map((t, i) => t / (t + c.fps[i]));
  const recall = c.tps.map((t) => (c.positives ? t / c.positives : NaN));
  return {
    precision: [...precision.reverse(), 1],
    recall: [...recall.reverse(), 0],
    thresholds: [...c.thresholds].reverse(),
  };
}

/** Average precision: sum over thresholds of (R_n - R_{n-1}) P_n (no interpolation); null without positives. */
export function averagePrecision(yTrue: ArrayLike<number>, scores: ArrayLike<number>): number | null {
  const { precision, recall } = prCurve(yTrue, scores);
  if (!Number.isFinite(recall[0])) return null;
  let ap = 0;
  for (let i = 0; i < recall.length - 1; i++) ap -= (recall[i + 1] - recall[i]) * precision[i];
  return ap;
}
