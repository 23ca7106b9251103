/**
 * Ids sent per call when an action covers a large selection. The browser-mode WebSocket closes on
 * a message over 1 MiB, and "select all" on 165,000 images is that big as one list; 10,000 ids stay
 * near 100 KB and keep each call short enough for the engine to answer others in between.
 */
export const IDS_PER_CALL = 10_000;

/** Consecutive slices of at most `size` items, in order; none for an empty list. */
export function chunks<T>(items: readonly T[], size: number = IDS_PER_CALL): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  const parts: T[][] = [];
  for (let i = 0; i < items.length; i += size) parts.push(items.slice(i, i + size));
  return parts;
}
