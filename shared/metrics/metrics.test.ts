import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectedCalibrationError, reliabilityCurve } from './calibration.ts';
import { argmaxRows, classificationReport } from './classification.ts';
import { NonFiniteScoresError, countNonFinite } from './finite.ts';
import { bootstrapAucInterval, wilsonInterval } from './intervals.ts';
import { operatingPoint, thresholdForSensitivity } from './operating-point.ts';
import { averagePrecision, prCurve, rocAuc, rocCurve } from './roc.ts';

// Reference numbers from scikit-learn 1.2 (make-reference.py, run with Debian's python3-sklearn).
interface BinaryCase {
  y: number[];
  scores: number[];
  auc: number | null;
  ap?: number;
  roc?: { fpr: number[]; tpr: number[]; thresholds: (number | null)[] };
  pr?: { precision: number[]; recall: number[]; thresholds: number[] };
  calibration5?: { fractionPositive: number[]; meanPredicted: number[] };
}
const ref = JSON.parse(readFileSync(new URL('./reference/reference.json', import.meta.url), 'utf8')) as {
  binary: Record<string, BinaryCase>;
  multiclass: Record<string, never> & {
    y: number[]; probs: number[][]; pred: number[]; confusion: number[][]; accuracy: number; balancedAccuracy: number;
    precision: number[]; recall: number[]; f1: number[]; support: number[]; macro: number[]; weighted: number[];
    aucPerClass: number[]; aucMacroOvr: number; ece10: number;
  };
  multiclassZeroDivision: { y: number[]; pred: number[]; k: number; precision: number[]; recall: number[]; f1: number[]; support: number[]; balancedAccuracy: number };
};

const close = (a: number[], b: number[], digits = 12) => {
  expect(a).toHaveLength(b.length);
  a.forEach((x, i) => expect(x).toBeCloseTo(b[i], digits));
};

describe.each(Object.entries(ref.binary))('binary metrics vs scikit-learn: %s', (_name, c) => {
  it('ROC AUC', () => {
    const auc = rocAuc(c.y, c.scores);
    if (c.auc === null) expect(auc).toBeNull();
    else expect(auc).toBeCloseTo(c.auc, 12);
  });

  it.skipIf(!c.roc)('ROC curve points and thresholds', () => {
    const r = rocCurve(c.y, c.scores);
    close(r.fpr, c.roc!.fpr);
    close(r.tpr, c.roc!.tpr);
    // scikit-learn 1.2 starts at max(score) + 1, newer versions (and we) at +Infinity: same meaning.
    expect(r.thresholds[0]).toBe(Infinity);
    close(r.thresholds.slice(1), c.roc!.thresholds.slice(1) as number[]);
  });

  it.skipIf(!c.pr)('precision-recall curve and average precision', () => {
    const p = prCurve(c.y, c.scores);
    close(p.precision, c.pr!.precision);
    close(p.recall, c.pr!.recall);
    close(p.thresholds, c.pr!.thresholds);
    expect(averagePrecision(c.y, c.scores)).toBeCloseTo(c.ap!, 12);
  });

  it.skipIf(!c.calibration5)('reliability curve (5 uniform bins)', () => {
    const bins = reliabilityCurve(c.y, c.scores, 5);
    close(bins.map((b) => b.fractionPositive), c.calibration5!.fractionPositive);
    close(bins.map((b) => b.meanPredicted), c.calibration5!.meanPredicted);
  });
});

describe('multi-class metrics vs scikit-learn', () => {
  const m = ref.multiclass;
  it('predictions, confusion matrix, accuracy, balanced accuracy', () => {
    expect(argmaxRows(m.probs)).toEqual(m.pred);
    const r = classificationReport(m.y, m.pred, 4);
    expect(r.confusion).toEqual(m.confusion);
    expect(r.accuracy).toBeCloseTo(m.accuracy, 12);
    expect(r.balancedAccuracy).toBeCloseTo(m.balancedAccuracy, 12);
  });

  it('per-class precision, recall, F1, support and their averages', () => {
    const r = classificationReport(m.y, m.pred, 4);
    close(r.perClass.map((c) => c.precision), m.precision);
    close(r.perClass.map((c) => c.recall), m.recall);
    close(r.perClass.map((c) => c.f1), m.f1);
    expect(r.perClass.map((c) => c.support)).toEqual(m.support);
    close([r.macro.precision, r.macro.recall, r.macro.f1], m.macro);
    close([r.weighted.precision, r.weighted.recall, r.weighted.f1], m.weighted);
  });

  it('one-vs-rest AUC per class and macro', () => {
    const aucs = [0, 1, 2, 3].map((c) => rocAuc(m.y.map((y) => (y === c ? 1 : 0)), m.probs.map((p) => p[c]))!);
    close(aucs, m.aucPerClass);
    expect(aucs.reduce((s, a) => s + a, 0) / 4).toBeCloseTo(m.aucMacroOvr, 12);
  });

  it('expected calibration error (10 bins, top-class confidence)', () => {
    const conf = m.probs.map((p) => Math.max(...p));
    const correct = m.pred.map((p, i) => (p === m.y[i] ? 1 : 0));
    expect(expectedCalibrationError(conf, correct, 10)).toBeCloseTo(m.ece10, 12);
  });

  it('a class never predicted and one never present count as 0, not NaN', () => {
    const z = ref.multiclassZeroDivision;
    const r = classificationReport(z.y, z.pred, z.k);
    close(r.perClass.map((c) => c.precision), z.precision);
    close(r.perClass.map((c) => c.recall), z.recall);
    close(r.perClass.map((c) => c.f1), z.f1);
    expect(r.balancedAccuracy).toBeCloseTo(z.balancedAccuracy, 12);
  });
});

describe('intervals and operating points', () => {
  it('Wilson interval matches the closed form (statsmodels proportion_confint method=wilson)', () => {
    // statsmodels: proportion_confint(8, 10, method='wilson') = (0.4901625, 0.9433178)
    const w = wilsonInterval(8, 10);
    expect(w.low).toBeCloseTo(0.4901625, 6);
    expect(w.high).toBeCloseTo(0.9433178, 6);
    expect(wilsonInterval(0, 20).low).toBe(0);
    expect(wilsonInterval(0, 20).high).toBeCloseTo(0.1611252, 6);
    expect(wilsonInterval(20, 20).high).toBe(1);
  });

  it('bootstrap AUC interval brackets the AUC, is reproducible and narrows with data', () => {
    const c = ref.binary.random200;
    const a = bootstrapAucInterval(c.y, c.scores, { resamples: 300, seed: 1 })!;
    const b = bootstrapAucInterval(c.y, c.scores, { resamples: 300, seed: 1 })!;
    expect(a).toEqual(b);
    expect(a.low).toBeLessThan(c.auc!);
    expect(a.high).toBeGreaterThan(c.auc!);
    const small = bootstrapAucInterval(c.y.slice(0, 40), c.scores.slice(0, 40), { resamples: 300, seed: 1 })!;
    expect(small.high - small.low).toBeGreaterThan(a.high - a.low);
    expect(bootstrapAucInterval([1, 1], [0.2, 0.3])).toBeNull();
  });

  it('threshold for a target sensitivity gives the best specificity at that sensitivity', () => {
    const c = ref.binary.random200;
    const op = thresholdForSensitivity(c.y, c.scores, 0.9);
    expect(op.sensitivity).toBeGreaterThanOrEqual(0.9);
    // Any higher threshold misses the target.
    const higher = c.scores.filter((s) => s > op.threshold).sort((x, y) => x - y)[0];
    expect(operatingPoint(c.y, c.scores, higher).sensitivity).toBeLessThan(0.9);
    expect(op.truePositives + op.falseNegatives).toBe(c.y.filter((y) => y === 1).length);
    expect(op.specificity).toBeCloseTo(op.trueNegatives / (op.trueNegatives + op.falsePositives), 12);
    expect(op.sensitivityInterval.low).toBeLessThan(op.sensitivity);
  });

  it('ties: a threshold on a tied score takes all of them', () => {
    const op = operatingPoint([0, 1, 1, 0], [0.5, 0.5, 0.9, 0.1], 0.5);
    expect([op.truePositives, op.falsePositives, op.trueNegatives, op.falseNegatives]).toEqual([2, 1, 1, 0]);
  });
});

describe('non-finite scores are an error, not a metric', () => {
  // Six images, one with a NaN score (a model with NaN weights). Sorting with NaN is order-dependent:
  // before the check, these orders of the same pairs gave AUCs of 1, 0.667 and 0.778.
  const y = [1, 0, 1, 0, 1, 0];
  const scores = [0.9, 0.2, NaN, 0.4, 0.7, 0.6];
  const orders = [
    [0, 1, 2, 3, 4, 5],
    [2, 0, 1, 3, 4, 5],
    [0, 1, 3, 4, 5, 2],
    [5, 4, 3, 2, 1, 0],
    [3, 2, 5, 0, 4, 1],
  ];
  const permuted = (o: number[]) => ({ y: o.map((i) => y[i]), s: o.map((i) => scores[i]) });

  it.each(orders.map((o) => [o]))('every order of the same (label, score) pairs throws, naming the count: %j', (o) => {
    const { y: py, s } = permuted(o);
    const message = /^1 of 6 scores are NaN or infinite.*NaN weights \(a diverged run\)/;
    expect(() => rocAuc(py, s)).toThrow(message);
    expect(() => rocCurve(py, s)).toThrow(NonFiniteScoresError);
    expect(() => prCurve(py, s)).toThrow(NonFiniteScoresError);
    expect(() => averagePrecision(py, s)).toThrow(NonFiniteScoresError);
    expect(() => bootstrapAucInterval(py, s, { resamples: 10 })).toThrow(NonFiniteScoresError);
    expect(() => thresholdForSensitivity(py, s, 0.9)).toThrow(NonFiniteScoresError);
    expect(() => operatingPoint(py, s, 0.5)).toThrow(NonFiniteScoresError);
    expect(() => reliabilityCurve(py, s, 5)).toThrow(NonFiniteScoresError);
    expect(() => expectedCalibrationError(s, py, 5)).toThrow(NonFiniteScoresError);
  });

  it('the same orders of finite scores agree, so the permutation test can tell', () => {
    const finite = scores.map((v) => (Number.isNaN(v) ? 0.5 : v));
    const aucs = orders.map((o) => rocAuc(o.map((i) => y[i]), o.map((i) => finite[i])));
    expect(new Set(aucs).size).toBe(1);
    expect(aucs[0]).toBeCloseTo(8 / 9, 12);
  });

  it('infinite scores and NaN probability rows are refused too, with their count', () => {
    expect(() => rocAuc([0, 1, 1], [Infinity, 0.2, -Infinity])).toThrow(/^2 of 3 scores are NaN or infinite/);
    expect(() => argmaxRows([[0.2, 0.8], [NaN, NaN]])).toThrow(/^2 of 4 scores/);
    expect(countNonFinite([0, NaN, Infinity, 1, -Infinity])).toBe(3);
  });
});
