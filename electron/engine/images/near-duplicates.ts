import { NearDuplicateIndex } from '../datasets/import/near-index.ts';
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

/** Bits that differ between two 16-hex-digit hashes. */
export function hexHamming(a: string, b: string): number {
  const hi = (parseInt(a.slice(0, 8), 16) ^ parseInt(b.slice(0, 8), 16)) >>> 0;
  const lo = (parseInt(a.slice(8), 16) ^ parseInt(b.slice(8), 16)) >>> 0;
  return popcount32(hi) + popcount32(lo);
}

/**
 * Every pair of items within `maxDistance` bits, through the import's multi-index (each item is
 * looked up before it is added, so a pair is found once). Same-hash pairs are skipped: they are
 * exact duplicates, reported as such.
 */
export function findNearPairs(items: PhashItem[], maxDistance = NEAR_THRESHOLD): NearPair[] {
  const index = new NearDuplicateIndex(maxDistance, hexHamming);
  const byId = new Map<number, PhashItem>();
  const pairs: NearPair[] = [];
  for (const it of items) {
    if (!/^[0-9a-fA-F]{16}$/.test(it.phash)) continue;
    for (const hit of index.query(it.phash)) {
      const other = byId.get(hit.id)!;
      if (it.hash !== undefined && it.hash === other.hash) continue;
      pairs.push({ a: Math.min(it.id, hit.id), b: Math.max(it.id, hit.id), distance: hit.distance });
    }
    index.add(it.id, it.phash);
    byId.set(it.id, it);
  }
  return pairs.sort((p, q) => p.a - q.a || p.b - q.b);
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
