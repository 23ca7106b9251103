import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../shared/random.ts';
import { findNearPairs, hexHamming } from './near-duplicates.ts';

const hex = (hi: number, lo: number) => (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');

/** Flip `bits` distinct random bits of a 16-hex hash. */
function flip(h: string, bits: number, random: () => number): string {
  let v = BigInt(`0x${h}`);
  const chosen = new Set<number>();
  while (chosen.size < bits) chosen.add(Math.floor(random() * 64));
  for (const b of chosen) v ^= 1n << BigInt(b);
  return v.toString(16).padStart(16, '0');
}

describe('findNearPairs', () => {
  it('hexHamming counts differing bits', () => {
    expect(hexHamming('0000000000000000', 'ffffffffffffffff')).toBe(64);
    expect(hexHamming('00000000000000f0', '0000000000000001')).toBe(5);
    expect(hexHamming('8000000000000000', '0000000000000000')).toBe(1);
  });

  it('finds exactly the pairs a brute force finds, once each, and skips same-hash pairs', () => {
    const random = mulberry32(7);
    const items = Array.from({ length: 400 }, (_, i) => ({
      id: i + 1,
      phash: hex(Math.floor(random() * 2 ** 32), Math.floor(random() * 2 ** 32)),
      hash: `h${i}`,
    }));
    // Plant near copies at distances 0..8 (7 and 8 must not be found) and one exact duplicate.
    for (let d = 0; d <= 8; d++) items.push({ id: 1000 + d, phash: flip(items[d].phash, d, random), hash: `n${d}` });
    items.push({ id: 2000, phash: items[20].phash, hash: items[20].hash });
    const brute: string[] = [];
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        const d = hexHamming(items[i].phash, items[j].phash);
        if (d <= 6 && items[i].hash !== items[j].hash) brute.push(`${Math.min(items[i].id, items[j].id)}-${Math.max(items[i].id, items[j].id)}-${d}`);
      }
    }
    const found = findNearPairs(items, 6).map((p) => `${p.a}-${p.b}-${p.distance}`);
    expect(found.sort()).toEqual(brute.sort());
    for (let d = 0; d <= 6; d++) expect(found).toContain(`${d + 1}-${1000 + d}-${d}`);
    expect(found.some((p) => p.startsWith('8-1007') || p.startsWith('9-1008'))).toBe(false);
    expect(found.some((p) => p.includes('-2000-'))).toBe(false);
  });
});
