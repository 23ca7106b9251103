import type { ClassEvaluation, EvaluationMetrics, OperatingPointResult } from '../../../../shared/domain/evaluation.ts';
import type { RunInfo } from '../../../../shared/domain/run.ts';

/** Canned engine answers for the Evaluate view's tests: a 3-class run evaluated on 12 test images. */
export function classEval(classIndex: number, name: string, over: Partial<ClassEvaluation> = {}): ClassEvaluation {
  return {
    classIndex, name, precision: 0.8, recall: 0.75, f1: 0.774, support: 4, auc: 0.9, aucInterval: { low: 0.7, high: 1 }, averagePrecision: 0.85,
    roc: { fpr: [0, 0, 0.5, 1], tpr: [0, 0.5, 1, 1], thresholds: [null, 0.9, 0.4, 0.1] }, pr: null,
    sensitivity: 0.75, specificity: 0.8, sensitivityInterval: { low: 0.3, high: 0.95 }, specificityInterval: { low: 0.5, high: 0.95 },
    ...over,
  };
}

export function metrics(over: Partial<EvaluationMetrics> = {}): EvaluationMetrics {
  return {
    runId: 3, split: 'test', classes: ['normal', 'effusion', 'nodule'], multiLabel: false, images: 12, accuracy: 0.75, exactMatchAccuracy: null, balancedAccuracy: 0.72,
    confusion: [[4, 1, 0], [0, 3, 1], [1, 0, 2]],
    macro: { precision: 0.74, recall: 0.72, f1: 0.73 }, weighted: { precision: 0.75, recall: 0.75, f1: 0.75 },
    perClass: [classEval(0, 'normal'), classEval(1, 'effusion', { auc: 0.8, roc: { fpr: [0, 0.25, 1], tpr: [0, 0.5, 1], thresholds: [null, 0.6, 0.2] } }), classEval(2, 'nodule', { roc: null, auc: null })],
    positiveClass: null, calibration: { ece: 0.08, reliability: [] },
    misclassified: [{ imageId: 41, truth: [0], predicted: [1], probs: [0.3, 0.6, 0.1] }, { imageId: 57, truth: [2], predicted: [0], probs: [0.5, 0.1, 0.4] }],
    createdAt: '2026-11-28T12:00:00.000Z', ...over,
  };
}

export function run(over: Partial<RunInfo> = {}): RunInfo {
  return {
    id: 3, name: 'resnet18 · top · #3', status: 'completed', backbone: 'resnet18', strategy: 'top', config: {} as RunInfo['config'], backend: 'wasm',
    trainableParams: 1539, totalParams: 11_178_051, trainableShare: 1539 / 11_178_051, bestEpoch: 2, bestMetric: 0.4, summary: null, error: null,
    createdAt: '2026-11-28T10:00:00.000Z', startedAt: null, finishedAt: null, jobId: null, ...over,
  };
}

/** Chosen on validation (where it reaches the target) and reported on test, where it falls short. */
export const point: OperatingPointResult = {
  runId: 3, className: 'effusion', targetSensitivity: 0.9, threshold: 0.2125,
  chosen: {
    split: 'val', images: 38, sensitivity: 0.9444, specificity: 0.65, sensitivityInterval: { low: 0.742, high: 0.99 }, specificityInterval: { low: 0.433, high: 0.819 },
    truePositives: 17, falseNegatives: 1, trueNegatives: 13, falsePositives: 7,
  },
  reported: {
    split: 'test', images: 27, sensitivity: 0.8947, specificity: 0.625, sensitivityInterval: { low: 0.686, high: 0.971 }, specificityInterval: { low: 0.306, high: 0.863 },
    truePositives: 17, falseNegatives: 2, trueNegatives: 5, falsePositives: 3,
  },
  sameSplit: false,
  note: 'Threshold chosen on the validation split (38 images); sensitivity and specificity reported on the test split (27 images), which it was not chosen on.',
};
