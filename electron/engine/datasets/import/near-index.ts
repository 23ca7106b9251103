/**
 * Near-duplicate search over 64-bit perceptual hashes (16 hex digits) by multi-index hashing: a
 * hash is cut into `threshold + 1` bit ranges, and by the pigeonhole principle two hashes within
 * `threshold` bits agree exactly on at least one range. A lookup visits only the buckets of those
 * ranges, and compares candidates with XOR + popcount on two 32-bit halves, so a query among 100k
 * images costs tens of microseconds instead of a scan.
 */
export class NearDuplicateIndex {
  private readonly ranges: { start: number; length: number }[];
  private readonly tables: Map<number, number[]>[];
  private hi = new Uint32Array(1024);
  private lo = new Uint32Array(1024);
  private ids = new Float64Array(1024);
  /** Query number that last visited each slot: de-duplicates candidates without a Set. */
  private seen = new Uint32Array(1024);
  private count = 0;
  private queries = 0;
  /** Hashes compared so far, over all queries: what the index saves over a scan (tests read it). */
  comparisons = 0;

  constructor(readonly threshold: number) {
    if (!Number.isInteger(threshold) || threshold < 1 || threshold > 15) {
      throw new Error(`Near-duplicate threshold must be a whole number of bits from 1 to 15, not ${threshold}`);
    }
    const pieces = threshold + 1;
    const cuts = Array.from({ length: pieces + 1 }, (_, k) => Math.round((k * 64) / pieces));
    this.ranges = cuts.slice(0, -1).map((start, k) => ({ start, length: cuts[k + 1] - start }));
    this.tables = this.ranges.map(() => new Map());
  }

  get size(): number {
    return this.count;
  }

  /** Images within the threshold of `hash`, nearest first. */
  query(hash: string): { id: number; distance: number }[] {
    const [hi, lo] = halves(hash);
    const stamp = ++this.queries;
    const hits: { id: number; distance: number }[] = [];
    this.ranges.forEach((range, k) => {
      const bucket = this.tables[k].get(bitRange(hi, lo, range.start, range.length));
      if (!bucket) return;
      for (const slot of bucket) {
        if (this.seen[slot] === stamp) continue;
        this.seen[slot] = stamp;
        this.comparisons++;
        const distance = popcount32(hi ^ this.hi[slot]) + popcount32(lo ^ this.lo[slot]);
        if (distance <= this.threshold) hits.push({ id: this.ids[slot], distance });
      }
    });
    return hits.sort((a, b) => a.distance - b.distance || a.id - b.id);
  }

  add(id: number, hash: string): void {
    const [hi, lo] = halves(hash);
    if (this.count === this.ids.length) this.grow();
    const slot = this.count++;
    this.hi[slot] = hi;
    this.lo[slot] = lo;
    this.ids[slot] = id;
    this.ranges.forEach((range, k) => {
      const key = bitRange(hi, lo, range.start, range.length);
      const bucket = this.tables[k].get(key);
      if (bucket) bucket.push(slot);
      else this.tables[k].set(key, [slot]);
    });
  }

  private grow(): void {
    const size = this.ids.length * 2;
    const bigger = <T extends Uint32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.hi = bigger(this.hi, (n) => new Uint32Array(n));
    this.lo = bigger(this.lo, (n) => new Uint32Array(n));
    this.ids = bigger(this.ids, (n) => new Float64Array(n));
    this.seen = bigger(this.seen, (n) => new Uint32Array(n));
  }
}

const HEX64 = /^[0-9a-fA-F]{16}$/;

function halves(hash: string): [number, number] {
  if (!HEX64.test(hash)) throw new Error(`A perceptual hash must be 16 hex digits, got "${hash}"`);
  return [parseInt(hash.slice(0, 8), 16) >>> 0, parseInt(hash.slice(8), 16) >>> 0];
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

const low = (x: number, n: number) => (n >= 32 ? x >>> 0 : (x & ((1 << n) - 1)) >>> 0);

/** Bits [start, start + length) of the 64-bit value hi:lo, counted from the most significant; length <= 32. */
export function bitRange(hi: number, lo: number, start: number, length: number): number {
  const end = start + length;
  if (end <= 32) return low(hi >>> (32 - end), length);
  if (start >= 32) return low(lo >>> (64 - end), length);
  const fromLo = end - 32;
  return low(hi, 32 - start) * 2 ** fromLo + (lo >>> (32 - fromLo));
}
