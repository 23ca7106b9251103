import { describe, expect, it } from 'vitest';
import { olderThanSplit, staleNote } from './split-staleness.ts';

const SPLIT = '2026-12-06T10:00:00.000Z';

describe('results on an older split', () => {
  it('marks runs and evaluations made before the current split', () => {
    expect(olderThanSplit('2026-12-06T09:59:59.999Z', SPLIT)).toBe(true);
    expect(olderThanSplit('2026-12-06T10:00:00.001Z', SPLIT)).toBe(false);
    expect(olderThanSplit(null, SPLIT)).toBe(false);
    expect(olderThanSplit('2026-12-06T09:00:00.000Z', null)).toBe(false);
  });

  it('says the run is stale before saying the evaluation is', () => {
    const oldRun = { id: 6, createdAt: '2026-12-05T10:00:00.000Z' };
    const newRun = { id: 7, createdAt: '2026-12-06T10:05:00.000Z' };
    expect(staleNote(SPLIT, oldRun, '2026-12-06T10:10:00.000Z')).toMatch(/^Run #6 was trained on an older split/);
    expect(staleNote(SPLIT, newRun, '2026-12-06T10:06:00.000Z')).toBeNull();
    expect(staleNote(null, oldRun, null)).toBeNull();
  });
});
