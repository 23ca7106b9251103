/**
 * What a metric is called wherever it is shown (UI, CLI, model card), so that one name always means
 * one number. Training and evaluation compute "accuracy" the same way per task type.
 */

/** Single-label: top-1 accuracy. Multi-label: per-label accuracy (1 - Hamming loss). */
export function accuracyName(multiLabel: boolean): string {
  return multiLabel ? 'accuracy (per label)' : 'accuracy';
}

/** Multi-label only: the share of images with every label right (subset accuracy). */
export const EXACT_MATCH_NAME = 'exact-match accuracy';
