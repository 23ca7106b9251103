import type { Database } from '../db/database.ts';

/**
 * Perceptual-hash distance at or below which two images count as near duplicates. Measured
 * (near-calibration.test.ts): re-encoding, resizing, +8% brightness and a slight blur of a sample
 * radiograph move its hash by at most 2 bits, while different patients of the 160-image sample
 * come as close as 4 (44 pairs within 6, the old threshold, which flagged all 160 images), and
 * distinct Fashion-MNIST items as close as 2 (4 of 499,500 pairs within 3; 235 pairs and 166 of
 * 1,000 images within 6). Balanced pHash bits flip in twos, so 3 is the same cut as 2.
 */
export const NEAR_THRESHOLD = 3;

export interface PhashItem {
  id: number;
  /** 64-bit perceptual hash as 16 hex digits; anything else is ignored. */
  phash: string;
  /** Pixel hash: pairs with the same one are exact duplicates, not near ones. */
  hash?: string;
}

export interface NearPair {
  a: number;
  b: number;
  distance: number;
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Bits that differ between two 16-hex-digit hashes. */
export function hexHamming(a: string, b: string): number {
  const hi = (parseInt(a.slice(0, 8), 16) ^ parseInt(b.slice(0, 8), 16)) >>> 0;
  const lo = (parseInt(a.slice(8), 16) ^ parseInt(b.slice(8), 16)) >>> 0;
  return popcount32(hi) + popcount32(lo);
}

/** Every 16-bit value within `radius` (0..2) bits of 0: XOR masks that enumerate a chunk's neighbours. */
function probeMasks(radius: number): number[] {
  const masks = [0];
  for (let a = 0; a < 16 && radius >= 1; a++) {
    masks.push(1 << a);
    for (let b = a + 1; b < 16 && radius >= 2; b++) masks.push((1 << a) | (1 << b));
  }
  return masks;
}

/** The four 16-bit chunks of every hash, bucketed by value (counting sort: start offsets plus members). */
function chunkBuckets(hi: Uint32Array, lo: Uint32Array): { values: Uint16Array[]; starts: Int32Array[]; members: Int32Array[] } {
  const n = hi.length;
  const values = [0, 1, 2, 3].map((k) => Uint16Array.from({ length: n }, (_, i) => (k < 2 ? hi[i] : lo[i]) >>> (k % 2 === 0 ? 16 : 0)));
  const starts = values.map((v) => {
    const s = new Int32Array(65537);
    for (let i = 0; i < n; i++) s[v[i] + 1]++;
    for (let x = 0; x < 65536; x++) s[x + 1] += s[x];
    return s;
  });
  const members = values.map((v, k) => {
    const fill = starts[k].slice(0, 65536);
    const m = new Int32Array(n);
    for (let i = 0; i < n; i++) m[fill[v[i]]++] = i;
    return m;
  });
  return { values, starts, members };
}

/**
 * Every pair of items within `maxDistance` (at most 11) bits. Multi-index hashing with neighbour
 * probes: cut each 64-bit hash into four 16-bit chunks; two hashes within d bits have a chunk within
 * floor(d/4) bits of each other (pigeonhole), so each item only visits the buckets of its chunks'
 * near values. With d = 6 that is 4 x 17 small buckets per image, about 1 s for 100k random hashes
 * on one core, where 7 exact-match pieces (the import's per-image index) would compare ~2,000
 * candidates each. A pair counts in the first chunk that finds it, so it is reported once.
 * Same-hash pairs are skipped: they are exact duplicates, reported as such.
 */
export function findNearPairs(items: PhashItem[], maxDistance = NEAR_THRESHOLD): NearPair[] {
  const valid = items.filter((it) => /^[0-9a-fA-F]{16}$/.test(it.phash));
  const hi = Uint32Array.from(valid, (it) => parseInt(it.phash.slice(0, 8), 16));
  const lo = Uint32Array.from(valid, (it) => parseInt(it.phash.slice(8), 16));
  const radius = Math.floor(maxDistance / 4);
  if (radius > 2) throw new Error(`Near-duplicate threshold ${maxDistance} is above the supported 11 bits.`);
  const masks = probeMasks(radius);
  const { values, starts, members } = chunkBuckets(hi, lo);
  const pairs: NearPair[] = [];
  for (let k = 0; k < 4; k++) {
    for (let i = 0; i < valid.length; i++) {
      for (const mask of masks) {
        const v = values[k][i] ^ mask;
        for (let p = starts[k][v]; p < starts[k][v + 1]; p++) {
          const j = members[k][p];
          if (j <= i || foundInEarlierChunk(values, k, i, j, radius)) continue;
          const d = popcount32((hi[i] ^ hi[j]) >>> 0) + popcount32((lo[i] ^ lo[j]) >>> 0);
          if (d > maxDistance || (valid[i].hash !== undefined && valid[i].hash === valid[j].hash)) continue;
          pairs.push({ a: Math.min(valid[i].id, valid[j].id), b: Math.max(valid[i].id, valid[j].id), distance: d });
        }
      }
    }
  }
  return pairs.sort((p, q) => p.a - q.a || p.b - q.b);
}

function foundInEarlierChunk(values: Uint16Array[], k: number, i: number, j: number, radius: number): boolean {
  for (let e = 0; e < k; e++) if (popcount32(values[e][i] ^ values[e][j]) <= radius) return true;
  return false;
}

/** Near pairs of the whole project, recomputed only when the set of images with a phash changes. */
const cache = new WeakMap<Database, { signature: string; pairs: NearPair[] }>();

export function projectNearPairs(db: Database): NearPair[] {
  const signature = db
    .prepare(`SELECT count(*) || ':' || coalesce(max(id), 0) || ':' || coalesce(sum(id), 0) FROM images WHERE phash IS NOT NULL`)
    .pluck()
    .get() as string;
  const hit = cache.get(db);
  if (hit && hit.signature === signature) return hit.pairs;
  const items = db.prepare('SELECT id, phash, hash FROM images WHERE phash IS NOT NULL').all() as PhashItem[];
  const pairs = findNearPairs(items);
  cache.set(db, { signature, pairs });
  return pairs;
}

/** Ids of images that have at least one near duplicate. */
export function nearDuplicateIds(db: Database): number[] {
  const ids = new Set<number>();
  for (const p of projectNearPairs(db)) {
    ids.add(p.a);
    ids.add(p.b);
  }
  return [...ids].sort((a, b) => a - b);
}
