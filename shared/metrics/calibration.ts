/** Calibration: does a predicted 0.8 come true 80% of the time? NaN or infinite probabilities throw. */
import { assertFiniteScores } from './finite.ts';

export interface ReliabilityBin {
  /** Mean predicted probability in the bin. */
  meanPredicted: number;
  /** Observed frequency of the event in the bin. */
  fractionPositive: number;
  count: number;
}

/** Reliability curve for binary probabilities, equal-width bins; empty bins are left out (as scikit-learn). */
export function reliabilityCurve(yTrue: ArrayLike<number>, probs: ArrayLike<number>, bins = 10): ReliabilityBin[] {
  assertFiniteScores(probs);
  const sums = new Float64Array(bins);
  const positives = new Float64Array(bins);
  const counts = new Float64Array(bins);
  for (let i = 0; i < probs.length; i++) {
    // scikit-learn: edges = linspace(0, 1 + 1e-8, bins + 1), bin = searchsorted(edges[1:-1], p)
    let b = 0;
    while (b < bins - 1 && probs[i] > ((b + 1) * (1 + 1e-8)) / bins) b++;
    sums[b] += probs[i];
    positives[b] += yTrue[i];
    counts[b]++;
  }
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    if (counts[b] > 0) out.push({ meanPredicted: sums[b] / counts[b], fractionPositive: positives[b] / counts[b], count: counts[b] });
  }
  return out;
}

/**
 * Expected calibration error on the top-class confidence (Guo et al. 2017): equal-width bins
 * (lo, hi], weighted mean of |accuracy - confidence|.
 */
export function expectedCalibrationError(confidence: ArrayLike<number>, correct: ArrayLike<number>, bins = 10): number {
  assertFiniteScores(confidence);
  const n = confidence.length;
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const lo = b / bins;
    const hi = (b + 1) / bins;
    let count = 0;
    let acc = 0;
    let conf = 0;
    for (let i = 0; i < n; i++) {
      if (confidence[i] > lo && confidence[i] <= hi) {
        count++;
        acc += correct[i];
        conf += confidence[i];
      }
    }
    if (count > 0) ece += (count / n) * Math.abs(acc / count - conf / count);
  }
  return ece;
}
