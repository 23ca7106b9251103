/**
 * Collects results that finish out of order and hands them on in list order, in batches of at
 * least `size` (a late item can release several waiting ones at once).
 * Import writes rows in the order of the file list so that image ids, and which of two duplicates
 * counts as the original, never depend on which decode happened to finish first.
 */
export class OrderedBatches<T> {
  private readonly ready = new Map<number, T>();
  private pending: T[] = [];
  private next = 0;

  constructor(
    private readonly size: number,
    private readonly write: (batch: T[]) => void,
  ) {}

  add(index: number, item: T): void {
    this.ready.set(index, item);
    for (; this.ready.has(this.next); this.next++) {
      this.pending.push(this.ready.get(this.next) as T);
      this.ready.delete(this.next);
    }
    if (this.pending.length >= this.size) this.flush();
  }

  /** Write what is in order so far (the end of the list, or a cancel). */
  flush(): void {
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) this.write(batch);
  }
}
