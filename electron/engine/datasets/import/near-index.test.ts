import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../../shared/random.ts';
import { NearDuplicateIndex } from './near-index.ts';

function hamming(a: string, b: string): number {
  let d = 0;
  for (let i = 0; i < a.length; i += 8) {
    let x = (parseInt(a.slice(i, i + 8), 16) ^ parseInt(b.slice(i, i + 8), 16)) >>> 0;
    while (x) (x &= x - 1), d++;
  }
  return d;
}

const word = (r: () => number) => Math.floor(r() * 2 ** 32).toString(16).padStart(8, '0');
const randomHash = (r: () => number) => word(r) + word(r);

function flipBits(hash: string, bits: number[]): string {
  const digits = hash.split('').map((h) => parseInt(h, 16));
  for (const b of bits) digits[b >> 2] ^= 1 << (b & 3);
  return digits.map((d) => d.toString(16)).join('');
}

describe('NearDuplicateIndex', () => {
  it('finds exactly what a brute-force scan finds', () => {
    const r = mulberry32(7);
    const index = new NearDuplicateIndex(4);
    const stored: string[] = [];
    for (let i = 0; i < 3000; i++) {
      // Half are near copies of earlier hashes so there is something to find.
      const h = i > 10 && r() < 0.5 ? flipBits(stored[Math.floor(r() * i)], [Math.floor(r() * 64), Math.floor(r() * 64), Math.floor(r() * 64)]) : randomHash(r);
      stored.push(h);
      index.add(i, h);
    }
    let checked = 0;
    for (let q = 0; q < 200; q++) {
      const probe = flipBits(stored[q * 7], [q % 64, (q * 5) % 64]);
      const expected = stored.map((h, id) => ({ id, distance: hamming(probe, h) })).filter((x) => x.distance <= 4);
      const got = index.query(probe);
      expect(got.map((g) => g.id).sort((a, b) => a - b)).toEqual(expected.map((e) => e.id).sort((a, b) => a - b));
      checked += got.length;
    }
    expect(checked).toBeGreaterThan(200);
  });

  it('compares a query among 100k hashes with a small fraction of them (threshold 6)', () => {
    const r = mulberry32(11);
    const index = new NearDuplicateIndex(6);
    for (let i = 0; i < 100_000; i++) index.add(i, randomHash(r));
    let hits = 0;
    for (let q = 0; q < 2000; q++) hits += index.query(randomHash(r)).length;
    expect(index.size).toBe(100_000);
    // 7 ranges of 9-10 bits: about 7 x 100k / 2^9 candidates, ~1.4% of a scan (timing: npm run bench).
    expect(index.comparisons / 2000).toBeLessThan(2000);
    expect(index.comparisons / 2000).toBeGreaterThan(500);
    // Random 64-bit hashes are almost never within 6 bits of each other.
    expect(hits).toBeLessThan(5);
  });

  it('finds pairs at every threshold, including ranges that straddle the two 32-bit halves', () => {
    const r = mulberry32(3);
    for (const threshold of [1, 3, 6, 10, 15]) {
      const index = new NearDuplicateIndex(threshold);
      const base = randomHash(r);
      // Flip bits around the middle (31, 32, 33 ...) where a range crosses from hi to lo.
      const near = flipBits(base, Array.from({ length: threshold }, (_, k) => 28 + k));
      const far = flipBits(base, Array.from({ length: threshold + 1 }, (_, k) => 28 + k));
      index.add(1, near);
      index.add(2, far);
      expect(index.query(base)).toEqual([{ id: 1, distance: threshold }]);
    }
  });

  it('refuses hashes that are not 64-bit hex and thresholds it cannot index', () => {
    const index = new NearDuplicateIndex(2);
    expect(() => index.add(1, 'ffff')).toThrow(/16 hex digits/);
    expect(() => new NearDuplicateIndex(0)).toThrow(/from 1 to 15/);
  });
});
