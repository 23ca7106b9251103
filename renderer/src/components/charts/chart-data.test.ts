import { describe, expect, it } from 'vitest';
import { alignSeries, hasPoints } from './chart-data.ts';

describe('alignSeries', () => {
  it('merges the x values of every series, sorted, with nulls where a series has no point', () => {
    const data = alignSeries([
      { label: 'a', points: [[0.5, 3], [1, 2]] },
      { label: 'b', points: [[1, 9], [2, 8]] },
    ]);
    expect(data.x).toEqual([0.5, 1, 2]);
    expect(data.series.map((s) => s.values)).toEqual([[3, 2, null], [null, 9, 8]]);
    expect(hasPoints(data)).toBe(true);
    expect(hasPoints(alignSeries([{ label: 'c', points: [[1, null]] }]))).toBe(false);
  });
});
