import type { Database } from '../db/database.ts';

/** Perceptual-hash distance at or below which two images count as near duplicates. */
export const NEAR_THRESHOLD = 6;

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

/** Split 64 bits into `parts` chunks: by pigeonhole, two hashes within parts-1 bits share at least one chunk exactly. */
function chunkLayout(parts: number): { start: number; len: number }[] {
  const base = Math.floor(64 / parts);
  const extra = 64 % parts;
  let start = 0;
  return Array.from({ length: parts }, (_, i) => {
    const len = base + (i < extra ? 1 : 0);
    const c = { start, len };
    start += len;
    return c;
  });
}

/**
 * Every pair of items within `maxDistance` bits (multi-index hashing: bucket by each chunk, compare
 * only inside buckets, count a pair in the first chunk it shares so it is found once). Same-hash
 * pairs are skipped: they are exact duplicates.
 */
export function findNearPairs(items: PhashItem[], maxDistance = NEAR_THRESHOLD): NearPair[] {
  const valid = items.filter((it) => /^[0-9a-fA-F]{16}$/.test(it.phash));
  const hi = new Uint32Array(valid.length);
  const lo = new Uint32Array(valid.length);
  const layout = chunkLayout(Math.min(maxDistance + 1, 64));
  const chunks = layout.map(() => new Int32Array(valid.length));
  valid.forEach((it, i) => {
    const big = BigInt(`0x${it.phash}`);
    hi[i] = Number(big >> 32n);
    lo[i] = Number(big & 0xffffffffn);
    layout.forEach((c, k) => (chunks[k][i] = Number((big >> BigInt(c.start)) & ((1n << BigInt(c.len)) - 1n))));
  });
  const pairs: NearPair[] = [];
  for (let k = 0; k < layout.length; k++) {
    const buckets = new Map<number, number[]>();
    for (let i = 0; i < valid.length; i++) {
      const list = buckets.get(chunks[k][i]);
      if (list) list.push(i);
      else buckets.set(chunks[k][i], [i]);
    }
    for (const list of buckets.values()) {
      for (let x = 0; x < list.length; x++) {
        for (let y = x + 1; y < list.length; y++) {
          const i = list[x];
          const j = list[y];
          if (sharesEarlierChunk(chunks, k, i, j)) continue;
          const d = popcount32((hi[i] ^ hi[j]) >>> 0) + popcount32((lo[i] ^ lo[j]) >>> 0);
          if (d > maxDistance || (valid[i].hash !== undefined && valid[i].hash === valid[j].hash)) continue;
          pairs.push({ a: Math.min(valid[i].id, valid[j].id), b: Math.max(valid[i].id, valid[j].id), distance: d });
        }
      }
    }
  }
  return pairs.sort((p, q) => p.a - q.a || p.b - q.b);
}

function sharesEarlierChunk(chunks: Int32Array[], k: number, i: number, j: number): boolean {
  for (let e = 0; e < k; e++) if (chunks[e][i] === chunks[e][j]) return true;
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
