import { validation } from '../../../shared/contract/errors.ts';
import type { ClassEvaluation, EvalSplit, EvaluationMetrics, MisclassifiedImage } from '../../../shared/domain/evaluation.ts';
import { countNonFinite } from '../../../shared/metrics/finite.ts';
import { expectedCalibrationError, reliabilityCurve } from '../../../shared/metrics/calibration.ts';
import { argmaxRows, classificationReport } from '../../../shared/metrics/classification.ts';
import { bootstrapAucInterval } from '../../../shared/metrics/intervals.ts';
import { operatingPoint } from '../../../shared/metrics/operating-point.ts';
import { averagePrecision, prCurve, rocAuc, rocCurve } from '../../../shared/metrics/roc.ts';
import { multiLabelAccuracy } from '../../../shared/metrics/training-metrics.ts';

/** What an evaluation is computed from: per image, the true class indices and the probabilities. */
export interface EvalSamples {
  imageIds: number[];
  truth: number[][];
  probs: number[][];
}

export interface EvalInfo {
  runId: number;
  split: EvalSplit;
  classes: string[];
  multiLabel: boolean;
  createdAt: string;
}

/** Multi-label runs predict every label whose probability reaches this. */
export const MULTI_LABEL_THRESHOLD = 0.5;

/** The predicted class indices of one image. */
export function predictedClasses(probs: number[], multiLabel: boolean): number[] {
  if (multiLabel) return probs.flatMap((p, k) => (p >= MULTI_LABEL_THRESHOLD ? [k] : []));
  return argmaxRows([probs]);
}

/**
 * Refuse a model's NaN or infinite outputs, naming how many and the likely cause: sorted or
 * thresholded, they would give made-up, order-dependent metrics.
 */
export function assertFinitePredictions(runId: number, split: EvalSplit, probs: number[][]): void {
  const values = probs.flat();
  const bad = countNonFinite(values);
  if (!bad) return;
  const images = probs.filter((p) => countNonFinite(p) > 0).length;
  throw validation(
    `Run ${runId} gives NaN or infinite scores on the ${split === 'test' ? 'test' : 'validation'} split: ${bad} of ${values.length} values, on ${images} of ${probs.length} images. ` +
      'Its weights are most likely NaN or infinite (a diverged run, usually too high a learning rate): train it again with a lower learning rate. No metric was computed from these scores.',
  );
}

/** Every metric of an evaluation, from the metrics library (verified against scikit-learn); NaN scores throw. */
export function computeEvaluation(info: EvalInfo, s: EvalSamples): EvaluationMetrics {
  assertFinitePredictions(info.runId, info.split, s.probs);
  const predicted = s.probs.map((p) => predictedClasses(p, info.multiLabel));
  const single = info.multiLabel ? null : classificationReport(s.truth.map((t) => t[0]), predicted.map((p) => p[0]), info.classes.length);
  const positiveClass = !info.multiLabel && info.classes.length === 2 ? 1 : null;
  const perClass = info.classes.map((name, k) => classEvaluation(name, k, s, predicted, info.multiLabel, positiveClass));
  const exact = predicted.map((p, i) => (sameSet(p, s.truth[i]) ? 1 : 0));
  const exactMatch = exact.reduce((a: number, b) => a + b, 0) / Math.max(exact.length, 1);
  return {
    runId: info.runId,
    split: info.split,
    classes: info.classes,
    multiLabel: info.multiLabel,
    images: s.imageIds.length,
    accuracy: single ? single.accuracy : perLabelAccuracy(s, info.classes.length),
    exactMatchAccuracy: single ? null : exactMatch,
    balancedAccuracy: single?.balancedAccuracy ?? null,
    confusion: single?.confusion ?? null,
    macro: single?.macro ?? null,
    weighted: single?.weighted ?? null,
    perClass,
    positiveClass,
    calibration: calibration(s, info.multiLabel),
    misclassified: s.imageIds.flatMap((imageId, i): MisclassifiedImage[] =>
      exact[i] ? [] : [{ imageId, truth: s.truth[i], predicted: predicted[i], probs: s.probs[i] }],
    ),
    createdAt: info.createdAt,
  };
}

function classEvaluation(name: string, k: number, s: EvalSamples, predicted: number[][], multiLabel: boolean, positiveClass: number | null): ClassEvaluation {
  const y = s.truth.map((t) => (t.includes(k) ? 1 : 0));
  const scores = s.probs.map((p) => p[k]);
  // The default decision: argmax (single-label, as an indicator score at threshold 1) or p >= 0.5.
  const op = multiLabel ? operatingPoint(y, scores, MULTI_LABEL_THRESHOLD) : operatingPoint(y, predicted.map((p) => (p[0] === k ? 1 : 0)), 1);
  const support = y.reduce((a: number, b) => a + b, 0);
  const predictedCount = op.truePositives + op.falsePositives;
  const precision = predictedCount ? op.truePositives / predictedCount : 0;
  const recall = support ? op.truePositives / support : 0;
  // In a binary task the negative class's curves mirror the positive one's: keep only the positive.
  const curves = positiveClass === null || positiveClass === k;
  const auc = curves ? rocAuc(y, scores) : null;
  const hasPositives = support > 0;
  return {
    classIndex: k,
    name,
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    support,
    auc,
    aucInterval: auc === null ? null : bootstrapAucInterval(y, scores, { resamples: 1000, seed: 0 }),
    averagePrecision: curves ? averagePrecision(y, scores) : null,
    roc: auc === null ? null : jsonRoc(rocCurve(y, scores)),
    pr: curves && hasPositives ? prCurve(y, scores) : null,
    sensitivity: op.sensitivity,
    specificity: op.specificity,
    sensitivityInterval: op.sensitivityInterval,
    specificityInterval: op.specificityInterval,
  };
}

/** ROC thresholds start at +Infinity, which JSON cannot hold: it travels as null. */
function jsonRoc(c: { fpr: number[]; tpr: number[]; thresholds: number[] }) {
  return { fpr: c.fpr, tpr: c.tpr, thresholds: c.thresholds.map((t) => (Number.isFinite(t) ? t : null)) };
}

/** ECE and reliability on the top-class confidence (single-label) or on every label's probability (multi-label). */
function calibration(s: EvalSamples, multiLabel: boolean): EvaluationMetrics['calibration'] {
  const confidence: number[] = [];
  const correct: number[] = [];
  s.probs.forEach((p, i) => {
    if (multiLabel) {
      p.forEach((q, k) => {
        confidence.push(q);
        correct.push(s.truth[i].includes(k) ? 1 : 0);
      });
      return;
    }
    const top = argmaxRows([p])[0];
    confidence.push(p[top]);
    correct.push(s.truth[i][0] === top ? 1 : 0);
  });
  // Multi-label probabilities are already event probabilities, so ECE over them is plain calibration.
  return { ece: expectedCalibrationError(confidence, correct, 10), reliability: reliabilityCurve(correct, confidence, 10) };
}

/** Multi-label "accuracy": the training loop's own function on the same multi-hot layout, so both agree. */
function perLabelAccuracy(s: EvalSamples, k: number): number {
  const targets = s.truth.flatMap((t) => Array.from({ length: k }, (_, c) => (t.includes(c) ? 1 : 0)));
  return multiLabelAccuracy(s.probs.flat(), targets);
}

function sameSet(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
