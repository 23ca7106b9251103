import { describe, expect, it } from 'vitest';
import { expectedCalibrationError, reliabilityCurve } from '../../../shared/metrics/calibration.ts';
import { bootstrapAucInterval } from '../../../shared/metrics/intervals.ts';
import { operatingPoint } from '../../../shared/metrics/operating-point.ts';
import { averagePrecision, rocAuc } from '../../../shared/metrics/roc.ts';
import { accuracy, multiLabelAccuracy } from '../../../shared/metrics/training-metrics.ts';
import { computeEvaluation } from './metrics.ts';

const info = (classes: string[], multiLabel: boolean) => ({ runId: 1, split: 'test' as const, classes, multiLabel, createdAt: 'now' });

describe('computeEvaluation', () => {
  it('binary: curves and AUC for the positive class only, argmax operating point, misclassified with probabilities', () => {
    const probs = [[0.9, 0.1], [0.6, 0.4], [0.3, 0.7], [0.45, 0.55], [0.2, 0.8], [0.7, 0.3]];
    const truth = [[0], [1], [1], [0], [1], [0]];
    const m = computeEvaluation(info(['neg', 'pos'], false), { imageIds: [1, 2, 3, 4, 5, 6], truth, probs });
    const y = truth.map((t) => t[0]);
    const s = probs.map((p) => p[1]);
    expect(m.positiveClass).toBe(1);
    expect(m.perClass[0].auc).toBeNull();
    expect(m.perClass[0].roc).toBeNull();
    expect(m.perClass[1].auc).toBe(rocAuc(y, s));
    expect(m.perClass[1].auc).toBeCloseTo(8 / 9, 12); // 8 of 9 positive-negative pairs ordered right
    expect(m.perClass[1].aucInterval).toEqual(bootstrapAucInterval(y, s, { resamples: 1000, seed: 0 }));
    expect(m.perClass[1].averagePrecision).toBe(averagePrecision(y, s));
    expect(m.perClass[1].roc!.thresholds[0]).toBeNull(); // +Infinity travels as null
    // Argmax = p >= 0.5 here: sensitivity 2/3 (image 2 missed), specificity 2/3 (image 4 wrongly positive).
    const op = operatingPoint(y, s, 0.5);
    expect([m.perClass[1].sensitivity, m.perClass[1].specificity]).toEqual([op.sensitivity, op.specificity]);
    expect(m.perClass[1].sensitivityInterval).toEqual(op.sensitivityInterval);
    expect(m.confusion).toEqual([[2, 1], [1, 2]]);
    expect(m.misclassified).toEqual([
      { imageId: 2, truth: [1], predicted: [0], probs: [0.6, 0.4] },
      { imageId: 4, truth: [0], predicted: [1], probs: [0.45, 0.55] },
    ]);
    const conf = probs.map((p) => Math.max(...p));
    const correct = [1, 0, 1, 0, 1, 1];
    expect(m.calibration.ece).toBe(expectedCalibrationError(conf, correct, 10));
    expect(m.calibration.reliability).toEqual(reliabilityCurve(correct, conf, 10));
  });

  it('multi-label: per-label AUC and p >= 0.5 operating points, per-label and exact-match accuracy, no confusion matrix', () => {
    const probs = [[0.9, 0.2, 0.6], [0.1, 0.8, 0.3], [0.7, 0.6, 0.1], [0.2, 0.1, 0.9]];
    const truth = [[0, 2], [1], [0], [2]];
    const m = computeEvaluation(info(['a', 'b', 'c'], true), { imageIds: [1, 2, 3, 4], truth, probs });
    expect(m.confusion).toBeNull();
    expect(m.balancedAccuracy).toBeNull();
    expect(m.accuracy).toBe(11 / 12); // per label: only image 3's b is wrong
    expect(m.exactMatchAccuracy).toBe(3 / 4); // image 3 also predicts b
    expect(m.misclassified.map((x) => [x.imageId, x.predicted])).toEqual([[3, [0, 1]]]);
    for (let k = 0; k < 3; k++) {
      const y = truth.map((t) => (t.includes(k) ? 1 : 0));
      const s = probs.map((p) => p[k]);
      const op = operatingPoint(y, s, 0.5);
      expect(m.perClass[k]).toMatchObject({ auc: rocAuc(y, s), sensitivity: op.sensitivity, specificity: op.specificity, support: y.filter(Boolean).length });
    }
    expect(m.perClass[1].precision).toBe(0.5);
  });

  it('single-label accuracy is top-1 and has no exact-match figure', () => {
    const m = computeEvaluation(info(['a', 'b'], false), { imageIds: [1, 2], truth: [[0], [1]], probs: [[0.8, 0.2], [0.6, 0.4]] });
    expect([m.accuracy, m.exactMatchAccuracy]).toEqual([0.5, null]);
  });

  it('throws on NaN scores, naming the count, the split and the likely cause', () => {
    const probs = [[0.9, 0.1], [NaN, NaN], [0.3, 0.7]];
    expect(() => computeEvaluation(info(['a', 'b'], false), { imageIds: [1, 2, 3], truth: [[0], [1], [1]], probs })).toThrow(
      /^Run 1 gives NaN or infinite scores on the test split: 2 of 6 values, on 1 of 3 images\. Its weights are most likely NaN or infinite \(a diverged run/,
    );
  });
});

describe('"accuracy" means the same number in training and evaluation', () => {
  // Scores row-major [N, K] as the training loop holds them; the evaluation takes them as rows.
  const rows = [[0.9, 0.2, 0.6], [0.1, 0.8, 0.3], [0.7, 0.6, 0.1], [0.2, 0.1, 0.9], [0.5, 0.5, 0.4], [0.3, 0.45, 0.55]];
  const oneHot = (t: number[][], k: number) => t.flatMap((labels) => Array.from({ length: k }, (_, c) => (labels.includes(c) ? 1 : 0)));

  it('multi-label: per-label accuracy in both, from the same scores', () => {
    const truth = [[0, 2], [1], [0], [2], [0, 1], [1]];
    const m = computeEvaluation(info(['a', 'b', 'c'], true), { imageIds: [1, 2, 3, 4, 5, 6], truth, probs: rows });
    const training = multiLabelAccuracy(Float32Array.from(rows.flat()), Float32Array.from(oneHot(truth, 3)));
    // Wrong decisions: image 3's b, image 6's b and c (image 5 is right: 0.5 counts as positive).
    expect(training).toBeCloseTo(15 / 18, 6);
    expect(m.accuracy).toBeCloseTo(training, 6);
    expect(m.exactMatchAccuracy).toBe(4 / 6);
  });

  it('single-label: top-1 accuracy in both, ties to the first class in both', () => {
    const truth = [[0], [1], [0], [2], [0], [1]];
    const probs = rows.map((r) => r.map((v) => v / r.reduce((a, b) => a + b, 0)));
    const m = computeEvaluation(info(['a', 'b', 'c'], false), { imageIds: [1, 2, 3, 4, 5, 6], truth, probs });
    const training = accuracy(Float32Array.from(probs.flat()), Float32Array.from(oneHot(truth, 3)), 3);
    // Right: images 1, 2, 3, 4 and 5 (a tie between a and b goes to a); image 6 predicts c.
    expect(training).toBeCloseTo(5 / 6, 12);
    expect(m.accuracy).toBeCloseTo(training, 12);
  });
});
