/**
 * Scores that are NaN or infinite come from a broken model, not a weak one: sorting them is
 * order-dependent (every comparison with NaN is false), so any metric computed from them would be a
 * made-up number. The metric functions refuse them instead.
 */
import { findNonFinite } from './non-finite.ts';

/** How many of `scores` are NaN or +-Infinity. */
export function countNonFinite(scores: ArrayLike<number>): number {
  return findNonFinite(scores).count;
}

/** A metric asked of scores that hold NaN or infinite values. */
export class NonFiniteScoresError extends Error {
  constructor(
    readonly count: number,
    readonly total: number,
  ) {
    super(
      `${count} of ${total} scores are NaN or infinite, so no metric can be computed from them. ` +
        'The model that produced them most likely has NaN weights (a diverged run): train it again with a lower learning rate.',
    );
    this.name = 'NonFiniteScoresError';
  }
}

/** Throws NonFiniteScoresError when any score is NaN or infinite. */
export function assertFiniteScores(scores: ArrayLike<number>): void {
  const bad = countNonFinite(scores);
  if (bad) throw new NonFiniteScoresError(bad, scores.length);
}
