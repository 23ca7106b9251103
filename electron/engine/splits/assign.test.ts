import { describe, expect, it } from 'vitest';
import type { SplitName } from '../../../shared/domain/splits.ts';
import { type SplitUnit, assignSplits } from './assign.ts';
import { mulberry32 } from '../../../shared/random.ts';

/** Units with 1..maxSize images; each image gets class 1 (60%), 2 (30%) or 3 (10%); `multi` adds a second class sometimes. */
function makeUnits(seed: number, count: number, maxSize: number, multi = false): SplitUnit[] {
  const random = mulberry32(seed);
  let next = 1;
  return Array.from({ length: count }, (_, u) => {
    const size = 1 + Math.floor(random() * maxSize);
    const unit: SplitUnit = { key: `g${u}`, imageIds: [], classCounts: new Map(), labelled: 0, lockedTest: false };
    for (let i = 0; i < size; i++) {
      unit.imageIds.push(next++);
      const r = random();
      const classes = [r < 0.6 ? 1 : r < 0.9 ? 2 : 3];
      if (multi && random() < 0.2) classes.push(4);
      for (const c of classes) unit.classCounts.set(c, (unit.classCounts.get(c) ?? 0) + 1);
      unit.labelled++;
    }
    return unit;
  });
}

/** Share of each class's images per split. */
function shares(units: SplitUnit[], assigned: Map<string, SplitName | null>): Map<number, Record<SplitName, number>> {
  const counts = new Map<number, Record<SplitName, number>>();
  for (const u of units) {
    const s = assigned.get(u.key);
    if (!s) continue;
    for (const [c, n] of u.classCounts) {
      const row = counts.get(c) ?? { train: 0, val: 0, test: 0 };
      row[s] += n;
      counts.set(c, row);
    }
  }
  for (const row of counts.values()) {
    const total = row.train + row.val + row.test;
    for (const s of ['train', 'val', 'test'] as const) row[s] /= total;
  }
  return counts;
}

const RATIOS: [number, number, number] = [0.7, 0.15, 0.15];

describe('assignSplits', () => {
  it('is deterministic for a seed and independent of the input order', () => {
    const units = makeUnits(1, 300, 4);
    const a = assignSplits(units, { ratios: RATIOS, seed: 42 });
    const b = assignSplits(units.slice().reverse(), { ratios: RATIOS, seed: 42 });
    const c = assignSplits(units, { ratios: RATIOS, seed: 43 });
    expect([...b].sort()).toEqual([...a].sort());
    const differing = units.filter((u) => a.get(u.key) !== c.get(u.key)).length;
    expect(differing).toBeGreaterThan(10);
  });

  it('stratifies singletons within 1 point of the ratios for every class', () => {
    const units = makeUnits(2, 3000, 1);
    const result = shares(units, assignSplits(units, { ratios: RATIOS, seed: 1 }));
    for (const [c, row] of result) {
      expect([c, Math.abs(row.train - 0.7) < 0.01, Math.abs(row.val - 0.15) < 0.01, Math.abs(row.test - 0.15) < 0.01]).toEqual([c, true, true, true]);
    }
  });

  it('property: over random seeds and group sizes every unit gets one split and classes stay within 2 points', () => {
    for (let seed = 0; seed < 25; seed++) {
      const maxSize = 1 + (seed % 6);
      const units = makeUnits(100 + seed, 600, maxSize, seed % 2 === 1);
      const assigned = assignSplits(units, { ratios: RATIOS, seed });
      expect(units.every((u) => ['train', 'val', 'test'].includes(assigned.get(u.key) as string))).toBe(true);
      for (const [c, row] of shares(units, assigned)) {
        const worst = Math.max(Math.abs(row.train - 0.7), Math.abs(row.val - 0.15), Math.abs(row.test - 0.15));
        expect({ seed, c, ok: worst < 0.02 }).toEqual({ seed, c, ok: true });
      }
    }
  });

  it('pins locked units to test, leaves unlabelled units out, never uses a zero-ratio split', () => {
    const units = makeUnits(3, 200, 3);
    units[0].lockedTest = true;
    units[1].labelled = 0;
    units[1].classCounts.clear();
    const assigned = assignSplits(units, { ratios: [0.8, 0.2, 0], seed: 5 });
    expect(assigned.get(units[0].key)).toBe('test');
    expect(assigned.get(units[1].key)).toBeNull();
    expect(units.slice(2).filter((u) => assigned.get(u.key) === 'test')).toHaveLength(0);
  });
});
