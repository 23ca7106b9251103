import { validation } from '../../../shared/contract/errors.ts';
import type { EvalSplit, OperatingPointFigures, OperatingPointResult } from '../../../shared/domain/evaluation.ts';
import { operatingPoint, thresholdForSensitivity } from '../../../shared/metrics/operating-point.ts';
import type { EvalSamples } from './metrics.ts';
import type { StoredEvaluation } from './store.ts';

const splitName = (s: EvalSplit) => (s === 'test' ? 'test' : 'validation');

function figures(split: EvalSplit, y: number[], scores: number[], threshold: number): OperatingPointFigures {
  const { threshold: _, ...point } = operatingPoint(y, scores, threshold);
  return { split, images: y.length, ...point };
}

/** One class as a binary problem: 1 where the image carries class k. */
function binary(s: EvalSamples, k: number): { y: number[]; scores: number[] } {
  return { y: s.truth.map((t) => (t.includes(k) ? 1 : 0)), scores: s.probs.map((p) => p[k]) };
}

/**
 * Where to choose the threshold: the validation predictions stored with a test evaluation, when
 * they hold the class; else the evaluated split itself, with the reason that makes it optimistic.
 */
function chooseOn(stored: StoredEvaluation, k: number, className: string): { split: EvalSplit; samples: EvalSamples; why: string | null } {
  const { metrics, samples } = stored;
  if (metrics.split === 'val') return { split: 'val', samples, why: 'Evaluate on the test split to report them on images the threshold was not chosen on.' };
  const val = samples.validation;
  if (!val) return { split: 'test', samples, why: 'The validation split had no labelled image when this evaluation ran, so there was nowhere else to choose it.' };
  if (!val.truth.some((t) => t.includes(k))) return { split: 'test', samples, why: `The validation split has no image of class "${className}" to choose it on.` };
  return { split: 'val', samples: val, why: null };
}

/**
 * The operating point for one class at a target sensitivity: the highest threshold reaching the
 * target on the validation split, reported on the evaluated (test) split, so the quoted figures
 * come from images the threshold was not fitted to.
 */
export function operatingPointOf(stored: StoredEvaluation, className: string, target: number): OperatingPointResult {
  const { metrics } = stored;
  const k = metrics.classes.indexOf(className);
  if (k < 0) throw validation(`Run ${metrics.runId} has no class "${className}"; its classes are ${metrics.classes.join(', ')}.`);
  const report = binary(stored.samples, k);
  if (!report.y.some((v) => v === 1)) {
    throw validation(`The ${splitName(metrics.split)} split has no image of class "${className}", so sensitivity is undefined. Add some to the split and evaluate again.`);
  }
  const on = chooseOn(stored, k, className);
  const choose = binary(on.samples, k);
  const threshold = thresholdForSensitivity(choose.y, choose.scores, target).threshold;
  const chosen = figures(on.split, choose.y, choose.scores, threshold);
  const reported = figures(metrics.split, report.y, report.scores, threshold);
  const sameSplit = on.why !== null;
  const note = sameSplit
    ? `Threshold chosen and reported on the same ${splitName(on.split)} split (${chosen.images} images), so sensitivity and specificity are optimistic. ${on.why}`
    : `Threshold chosen on the validation split (${chosen.images} images); sensitivity and specificity reported on the test split (${reported.images} images), which it was not chosen on.`;
  return { runId: metrics.runId, className, targetSensitivity: target, threshold: Number.isFinite(threshold) ? threshold : null, chosen, reported, sameSplit, note };
}
