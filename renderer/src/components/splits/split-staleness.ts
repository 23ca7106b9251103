/**
 * Results made before the current splits were created came from another split: its validation and
 * test images may sit in train now. ISO timestamps compare as strings.
 */
export const olderThanSplit = (at: string | null | undefined, splitsAt: string | null): boolean => !!at && !!splitsAt && at < splitsAt;

/** What to tell the user about a run's results on the Evaluate page, or null when they are current. */
export function staleNote(splitsAt: string | null, run: { id: number; createdAt: string } | undefined, evaluatedAt: string | null): string | null {
  const when = splitsAt ? new Date(splitsAt).toLocaleString() : '';
  if (run && olderThanSplit(run.createdAt, splitsAt)) {
    return `Run #${run.id} was trained on an older split (the splits were re-created ${when}): some of today's validation and test images were training images for it. Train again to measure on the current split.`;
  }
  if (olderThanSplit(evaluatedAt, splitsAt)) {
    return `These results were computed on an older split (the splits were re-created ${when}). Evaluate again to measure on the current test set.`;
  }
  return null;
}
