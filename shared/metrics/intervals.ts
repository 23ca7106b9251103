import { mulberry32 } from '../random.ts';
import { rocAuc } from './roc.ts';

export interface Interval {
  low: number;
  high: number;
}

/** 95% (by default) Wilson score interval for a proportion k/n; sound for small n and k at 0 or n. */
export function wilsonInterval(k: number, n: number, z = 1.959963984540054): Interval {
  if (n === 0) return { low: 0, high: 1 };
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * Percentile bootstrap interval for ROC AUC (resampling images with replacement; resamples with a
 * single class are skipped). Null when the data has a single class.
 */
export function bootstrapAucInterval(
  yTrue: ArrayLike<number>,
  scores: ArrayLike<number>,
  opts: { resamples?: number; seed?: number; level?: number } = {},
): Interval | null {
  const { resamples = 1000, seed = 0, level = 0.95 } = opts;
  if (rocAuc(yTrue, scores) === null) return null;
  const rand = mulberry32(seed);
  const n = yTrue.length;
  const ys = new Float64Array(n);
  const ss = new Float64Array(n);
  const aucs: number[] = [];
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) {
      const j = Math.floor(rand() * n);
      ys[i] = yTrue[j];
      ss[i] = scores[j];
    }
    const auc = rocAuc(ys, ss);
    if (auc !== null) aucs.push(auc);
  }
  aucs.sort((a, b) => a - b);
  const q = (p: number) => aucs[Math.min(aucs.length - 1, Math.max(0, Math.round(p * (aucs.length - 1))))];
  return { low: q((1 - level) / 2), high: q(1 - (1 - level) / 2) };
}
