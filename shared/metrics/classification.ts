/**
 * Metrics over hard predictions: confusion matrix, accuracy, balanced accuracy, per-class
 * precision / recall / F1 / support and their macro and weighted averages. A ratio whose
 * denominator is zero is 0 (scikit-learn's zero_division=0).
 */
import { assertFiniteScores } from './finite.ts';

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Averages {
  precision: number;
  recall: number;
  f1: number;
}

export interface ClassificationReport {
  confusion: number[][];
  accuracy: number;
  balancedAccuracy: number;
  perClass: ClassMetrics[];
  macro: Averages;
  weighted: Averages;
}

/** confusion[t][p]: images of true class t predicted as p. */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, numClasses: number): number[][] {
  if (yTrue.length !== yPred.length) throw new Error(`labels (${yTrue.length}) and predictions (${yPred.length}) differ in length`);
  const cm = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < yTrue.length; i++) cm[yTrue[i]][yPred[i]]++;
  return cm;
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

export function perClassMetrics(cm: number[][]): ClassMetrics[] {
  return cm.map((row, c) => {
    const tp = row[c];
    const support = row.reduce((s, x) => s + x, 0);
    const predicted = cm.reduce((s, r) => s + r[c], 0);
    const precision = ratio(tp, predicted);
    const recall = ratio(tp, support);
    return { precision, recall, f1: ratio(2 * precision * recall, precision + recall), support };
  });
}

/** Mean recall over the classes that are present (scikit-learn's balanced_accuracy_score). */
export function balancedAccuracy(cm: number[][]): number {
  const present = perClassMetrics(cm).filter((m) => m.support > 0);
  return present.reduce((s, m) => s + m.recall, 0) / Math.max(present.length, 1);
}

function average(ms: ClassMetrics[], weighted: boolean): Averages {
  const total = ms.reduce((s, m) => s + m.support, 0);
  const w = (m: ClassMetrics) => (weighted ? ratio(m.support, total) : 1 / ms.length);
  return {
    precision: ms.reduce((s, m) => s + w(m) * m.precision, 0),
    recall: ms.reduce((s, m) => s + w(m) * m.recall, 0),
    f1: ms.reduce((s, m) => s + w(m) * m.f1, 0),
  };
}

export function classificationReport(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, numClasses: number): ClassificationReport {
  const confusion = confusionMatrix(yTrue, yPred, numClasses);
  const perClass = perClassMetrics(confusion);
  const correct = confusion.reduce((s, row, c) => s + row[c], 0);
  return {
    confusion,
    accuracy: ratio(correct, yTrue.length),
    balancedAccuracy: balancedAccuracy(confusion),
    perClass,
    macro: average(perClass, false),
    weighted: average(perClass, true),
  };
}

/** Index of the largest value in each row; NaN or infinite values throw (NaN would always lose, so the class would depend on its position). */
export function argmaxRows(probs: ArrayLike<number>[]): number[] {
  assertFiniteScores(probs.flatMap((row) => Array.from(row)));
  return probs.map((row) => {
    let best = 0;
    for (let j = 1; j < row.length; j++) if (row[j] > row[best]) best = j;
    return best;
  });
}
