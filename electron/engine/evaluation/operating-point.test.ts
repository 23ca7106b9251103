import { describe, expect, it } from 'vitest';
import { wilsonInterval } from '../../../shared/metrics/intervals.ts';
import { type EvalSamples, computeEvaluation } from './metrics.ts';
import { operatingPointOf } from './operating-point.ts';
import type { StoredEvaluation, StoredSamples } from './store.ts';

/** Binary samples of class 1 ("pos") from scores and labels. */
function samples(scores: number[], labels: number[]): EvalSamples {
  return { imageIds: scores.map((_, i) => i + 1), truth: labels.map((l) => [l]), probs: scores.map((s) => [1 - s, s]) };
}

function stored(split: 'test' | 'val', s: StoredSamples): StoredEvaluation {
  const { validation: _, ...evaluated } = s;
  return { metrics: computeEvaluation({ runId: 7, split, classes: ['neg', 'pos'], multiLabel: false, createdAt: 'now' }, evaluated), samples: s };
}

// Validation: 4 positives at 0.9, 0.8, 0.7, 0.6; negatives at 0.65, 0.3, 0.2, 0.1, 0.05.
// At 100% sensitivity the highest threshold is 0.6: specificity 4/5 there.
const val = samples([0.9, 0.8, 0.7, 0.6, 0.65, 0.3, 0.2, 0.1, 0.05], [1, 1, 1, 1, 0, 0, 0, 0, 0]);
// Test: at 0.6 one positive of 5 (0.55) is missed and 2 of 5 negatives (0.62, 0.7) are called positive.
const test = samples([0.95, 0.85, 0.75, 0.61, 0.55, 0.7, 0.62, 0.4, 0.2, 0.1], [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);

describe('operatingPointOf', () => {
  it('chooses the threshold on the validation split and reports sensitivity and specificity on the test split', () => {
    const op = operatingPointOf(stored('test', { ...test, validation: val }), 'pos', 1);
    expect(op.threshold).toBe(0.6);
    expect(op.chosen).toEqual({
      split: 'val', images: 9, sensitivity: 1, specificity: 0.8, sensitivityInterval: wilsonInterval(4, 4), specificityInterval: wilsonInterval(4, 5),
      truePositives: 4, falseNegatives: 0, trueNegatives: 4, falsePositives: 1,
    });
    expect(op.reported).toEqual({
      split: 'test', images: 10, sensitivity: 0.8, specificity: 0.6, sensitivityInterval: wilsonInterval(4, 5), specificityInterval: wilsonInterval(3, 5),
      truePositives: 4, falseNegatives: 1, trueNegatives: 3, falsePositives: 2,
    });
    expect(op.sameSplit).toBe(false);
    expect(op.note).toBe('Threshold chosen on the validation split (9 images); sensitivity and specificity reported on the test split (10 images), which it was not chosen on.');
  });

  it('chosen on test itself, the old way, the test figures look better than they are', () => {
    // No validation split when the evaluation ran: the threshold fits the test scores (0.55).
    const op = operatingPointOf(stored('test', { ...test, validation: null }), 'pos', 1);
    expect(op.threshold).toBe(0.55);
    expect([op.reported.sensitivity, op.reported.specificity]).toEqual([1, 0.6]);
    expect(op.reported).toEqual(op.chosen);
    expect(op.sameSplit).toBe(true);
    expect(op.note).toBe(
      'Threshold chosen and reported on the same test split (10 images), so sensitivity and specificity are optimistic. The validation split had no labelled image when this evaluation ran, so there was nowhere else to choose it.',
    );
  });

  it('a validation evaluation, or a validation split without the class, chooses on the evaluated split and says so', () => {
    const onVal = operatingPointOf(stored('val', val), 'pos', 1);
    expect([onVal.threshold, onVal.chosen.split, onVal.reported.split, onVal.sameSplit]).toEqual([0.6, 'val', 'val', true]);
    expect(onVal.note).toMatch(/^Threshold chosen and reported on the same validation split \(9 images\), so .* are optimistic\. Evaluate on the test split/);
    const noPositives = samples([0.3, 0.2], [0, 0]);
    const op = operatingPointOf(stored('test', { ...test, validation: noPositives }), 'pos', 1);
    expect([op.threshold, op.chosen.split, op.sameSplit]).toEqual([0.55, 'test', true]);
    expect(op.note).toContain('The validation split has no image of class "pos" to choose it on.');
  });

  it('refuses an unknown class and a reporting split without the class', () => {
    expect(() => operatingPointOf(stored('test', { ...test, validation: val }), 'other', 0.9)).toThrow('Run 7 has no class "other"; its classes are neg, pos.');
    expect(() => operatingPointOf(stored('test', { ...samples([0.3], [0]), validation: val }), 'pos', 0.9)).toThrow(/The test split has no image of class "pos"/);
  });
});
