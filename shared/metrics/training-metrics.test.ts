import { describe, expect, it } from 'vitest';
import { rocAuc } from './roc.ts';
import { accuracy, balancedAccuracyOf, macroAuc, multiLabelAccuracy } from './training-metrics.ts';

describe('training-time metrics', () => {
  it('accuracy picks the arg-max class', () => {
    expect(accuracy([0.9, 0.1, 0.2, 0.8, 0.6, 0.4], [1, 0, 1, 0, 1, 0], 2)).toBeCloseTo(2 / 3, 12);
    expect(multiLabelAccuracy([0.9, 0.2, 0.4, 0.7], [1, 0, 1, 1])).toBe(0.75);
  });

  it('AUC equals the share of correctly ordered positive/negative pairs, ties half', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBe(0.75);
    expect(rocAuc([0, 1], [0.5, 0.5])).toBe(0.5);
    expect(rocAuc([1, 1], [0.1, 0.2])).toBeNull();
  });

  it('macro AUC averages one-vs-rest over classes present', () => {
    // Class 0 perfectly separated (1.0); class 1: positives 0.5, 0.05 vs negative 0.3 -> 1 of 2 pairs = 0.5.
    const scores = [0.9, 0.3, 0.05, 0.5, 0.2, 0.05];
    const targets = [1, 0, 0, 1, 0, 1];
    expect(macroAuc(scores, targets, 2)).toBeCloseTo((1 + 0.5) / 2, 12);
  });
});

describe('training-time metrics on non-finite scores', () => {
  it('give NaN in every order, never an order-dependent number (the loop stops on the NaN loss that comes with them)', () => {
    // Three images x two classes; image 1 has NaN scores. Rows permuted as whole rows.
    const rows = [[0.9, 0.1], [NaN, NaN], [0.3, 0.7]];
    const targets = [[1, 0], [0, 1], [0, 1]];
    for (const o of [[0, 1, 2], [1, 0, 2], [2, 1, 0], [0, 2, 1]]) {
      const s = o.flatMap((i) => rows[i]);
      const t = o.flatMap((i) => targets[i]);
      expect(accuracy(s, t, 2)).toBeNaN();
      expect(multiLabelAccuracy(s, t)).toBeNaN();
      expect(macroAuc(s, t, 2)).toBeNaN();
      expect(balancedAccuracyOf(s, t, 2)).toBeNaN();
    }
  });
});
