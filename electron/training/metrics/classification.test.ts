import { describe, expect, it } from 'vitest';
import { accuracy, binaryAuc, macroAuc, multiLabelAccuracy } from './classification.ts';

describe('classification metrics', () => {
  it('accuracy picks the arg-max class', () => {
    expect(accuracy([0.9, 0.1, 0.2, 0.8, 0.6, 0.4], [1, 0, 1, 0, 1, 0], 2)).toBeCloseTo(2 / 3, 12);
    expect(multiLabelAccuracy([0.9, 0.2, 0.4, 0.7], [1, 0, 1, 1])).toBe(0.75);
  });

  it('AUC equals the share of correctly ordered positive/negative pairs, ties half', () => {
    expect(binaryAuc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBe(0.75);
    expect(binaryAuc([0.5, 0.5], [false, true])).toBe(0.5);
    expect(binaryAuc([0.1, 0.2], [true, true])).toBeNull();
  });

  it('macro AUC averages one-vs-rest over classes present', () => {
    // Class 0 perfectly separated (1.0); class 1: positive scores 0.9 vs negatives 0.95, 0.1 -> 0.5.
    const scores = [0.9, 0.1, 0.05, 0.95, 0.2, 0.9];
    const targets = [1, 0, 0, 1, 0, 1];
    expect(macroAuc(scores, targets, 2)).toBeCloseTo((1 + 0.5) / 2, 12);
  });
});
