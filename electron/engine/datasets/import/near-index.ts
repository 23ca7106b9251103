/**
 * Near-duplicate search over perceptual hashes (hex strings) by multi-index hashing: a hash is cut
 * into `threshold + 1` pieces, and by the pigeonhole principle two hashes within `threshold` bits
 * agree exactly on at least one piece. Lookups touch only the buckets of those pieces instead of
 * every image, which keeps an import into a 100k-image project fast.
 */
export class NearDuplicateIndex {
  private readonly tables: Map<string, number[]>[];
  private readonly hashes = new Map<number, string>();
  private cuts: number[] | null = null;

  constructor(
    readonly threshold: number,
    private readonly distance: (a: string, b: string) => number,
  ) {
    this.tables = Array.from({ length: threshold + 1 }, () => new Map());
  }

  get size(): number {
    return this.hashes.size;
  }

  /** Images within the threshold of `hash`, nearest first. */
  query(hash: string): { id: number; distance: number }[] {
    const candidates = new Set<number>();
    this.pieces(hash).forEach((piece, k) => this.tables[k].get(piece)?.forEach((id) => candidates.add(id)));
    const hits: { id: number; distance: number }[] = [];
    for (const id of candidates) {
      const d = this.distance(hash, this.hashes.get(id) as string);
      if (d <= this.threshold) hits.push({ id, distance: d });
    }
    return hits.sort((a, b) => a.distance - b.distance || a.id - b.id);
  }

  add(id: number, hash: string): void {
    this.hashes.set(id, hash);
    this.pieces(hash).forEach((piece, k) => {
      const bucket = this.tables[k].get(piece);
      if (bucket) bucket.push(id);
      else this.tables[k].set(piece, [id]);
    });
  }

  private pieces(hash: string): string[] {
    // Pieces are whole hex digits; more pieces than digits would break the pigeonhole argument.
    const cuts = (this.cuts ??= cutPoints(hash.length, this.tables.length));
    if (hash.length !== cuts[cuts.length - 1]) throw new Error(`Perceptual hashes differ in length (${hash.length} vs ${cuts[cuts.length - 1]})`);
    return cuts.slice(0, -1).map((start, k) => hash.slice(start, cuts[k + 1]));
  }
}

function cutPoints(length: number, pieces: number): number[] {
  if (pieces > length) throw new Error(`A near-duplicate threshold of ${pieces - 1} needs hashes of at least ${pieces} hex digits`);
  return Array.from({ length: pieces + 1 }, (_, k) => Math.round((k * length) / pieces));
}
