import { describe, expect, it } from 'vitest';
import type { RunMetricRow } from '../../../shared/domain/run.ts';
import { majorityRate, runWarnings } from './health.ts';

const row = (epoch: number, trainLoss: number, valAccuracy: number, balanced: number): RunMetricRow => ({
  epoch, trainLoss, valLoss: trainLoss, valAccuracy, valAuc: null, alpha: null, imagesPerSec: 10, learningRates: {},
  extra: { valBalancedAccuracy: balanced }, at: '',
});
const ctx = { valImages: 49, majorityRate: 0.429, numClasses: 3, multiLabel: false };

describe('run health', () => {
  it('flags a model that always answers the majority class (the sample project run at 42.9%)', () => {
    const rows = [row(1, 1.1, 0.429, 0.333), row(2, 0.9, 0.429, 0.333)];
    const [w] = runWarnings(rows, rows[1], ctx);
    expect(w).toMatch(/^The model is at chance: validation accuracy 42\.9% \(epoch 2\) is no better, within noise, than always answering the largest class \(42\.9% of 49 validation images\), and its balanced accuracy 33\.3% is at chance \(33\.3% for 3 classes\)/);
  });

  it('does not flag a model that learned, nor one above the majority rate by more than noise', () => {
    const rows = [row(1, 1.1, 0.6, 0.55), row(2, 0.5, 0.9, 0.88)];
    expect(runWarnings(rows, rows[1], ctx)).toEqual([]);
    // Balanced accuracy well above chance means the classes are told apart, whatever the raw accuracy.
    expect(runWarnings(rows, row(2, 0.5, 0.45, 0.6), ctx)).toEqual([]);
    // So does an AUC well above 0.5: the ranking is right, only the argmax is off (miscalibrated).
    expect(runWarnings(rows, { ...row(2, 0.5, 0.43, 0.33), valAuc: 0.95 }, ctx)).toEqual([]);
    expect(runWarnings(rows, { ...row(2, 0.5, 0.43, 0.33), valAuc: 0.55 }, ctx)).toHaveLength(1);
  });

  it('flags a training loss that did not fall over three or more epochs, with what to do', () => {
    const rows = [row(1, 2.43, 0.8, 0.8), row(2, 2.42, 0.8, 0.8), row(3, 2.44, 0.8, 0.8)];
    expect(runWarnings(rows, rows[2], ctx)).toEqual([expect.stringMatching(/^The training loss did not fall \(2\.430 in epoch 1, 2\.440 in epoch 3\).*LR finder/)]);
    expect(runWarnings(rows.slice(0, 2), rows[1], ctx)).toEqual([]);
  });

  it('derives the majority rate from the validation images, counting multi-label images in the total only', () => {
    const items = [[0], [0], [0], [1], [2], [1, 2]].map((classes) => ({ classes }));
    expect(majorityRate(items, 3)).toBeCloseTo(3 / 6, 12);
    expect(majorityRate([], 3)).toBe(0);
  });

  it('leaves multi-label runs to their own metrics', () => {
    expect(runWarnings([row(1, 1, 0.4, 0.33)], row(1, 1, 0.4, 0.33), { ...ctx, multiLabel: true })).toEqual([]);
  });
});
