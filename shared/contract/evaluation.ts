import type { JobRef } from '../domain/job.ts';
import type {
  AcceptResult,
  CheckpointChoice,
  EvalSplit,
  EvaluationMetrics,
  GradCamResult,
  OperatingPointResult,
  PredictionPage,
  PredictionSort,
} from '../domain/evaluation.ts';

export interface EvalHandlers {
  /** Evaluate a run's best (default) or last checkpoint on the test (default) or validation split; the job's result is EvaluationMetrics. */
  'eval.run': (a: { runId: number; split?: EvalSplit; checkpoint?: CheckpointChoice }) => Promise<JobRef>;
  /** The newest stored evaluation of a run, or null when it was never evaluated. */
  'eval.get': (a: { runId: number }) => Promise<EvaluationMetrics | null>;
  /** The highest threshold reaching a target sensitivity for one class, with the resulting specificity (newest evaluation). */
  'eval.threshold': (a: { runId: number; className: string; targetSensitivity: number }) => Promise<OperatingPointResult>;
}

export interface ExplainHandlers {
  /** Grad-CAM heatmap of one image for a class (default: the predicted one), with the predicted probabilities. */
  'explain.gradcam': (a: { runId: number; imageId: number; classIndex?: number }) => Promise<GradCamResult>;
}

export interface PredictHandlers {
  /** Predict unlabeled (default) or all non-excluded images with a run's best checkpoint; the job's result is a PredictResult. */
  'predict.start': (a: { runId: number; scope?: 'unlabeled' | 'all' }) => Promise<JobRef>;
  /**
   * Stored predictions of a run, most informative first (highest entropy, smallest margin or lowest
   * confidence); by default only of images that are still unlabeled (evaluation also stores predictions).
   */
  'predict.list': (a: { runId: number; sort?: PredictionSort; scope?: 'unlabeled' | 'all'; limit?: number; offset?: number }) => Promise<PredictionPage>;
  /**
   * Label these images as the run predicted them (label events with source 'model'), as one undo
   * step; with `session`, that window's or tab's undo takes it back (see labels.set).
   */
  'predict.accept': (a: { runId: number; imageIds: number[]; session?: string }) => Promise<AcceptResult>;
}

export type EvaluationHandlers = EvalHandlers & ExplainHandlers & PredictHandlers & import('./try-it.ts').TryItHandlers;
