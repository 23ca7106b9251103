import { describe, expect, it } from 'vitest';
import { alignSeries, hasPoints, niceTicks, tickLabels, wholeRange, wholeTicks } from './chart-data.ts';

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

describe('epoch axis', () => {
  it('ticks whole epochs only, with a step of 1, 2, 5, 10 ... that fits the width', () => {
    // The Runs compare chart of a 2-epoch run: uPlot put ticks at 1.05, 1.1, 1.15 ...
    expect(wholeTicks(1, 2, 20)).toEqual([1, 2]);
    // The loss chart: per-step points at half epochs.
    expect(wholeTicks(0.5, 2, 8)).toEqual([1, 2]);
    expect(wholeTicks(0, 12, 20)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(wholeTicks(1, 12, 6)).toEqual([2, 4, 6, 8, 10, 12]);
    expect(wholeTicks(1, 30, 5)).toEqual([10, 20, 30]);
    expect(wholeTicks(0, 200, 6)).toEqual([0, 50, 100, 150, 200]);
    expect(wholeTicks(0.2, 0.8, 5)).toEqual([]);
    expect(wholeTicks(Number.NaN, 3, 5)).toEqual([]);
  });

  it('widens the range to whole epochs so that a tick is always in view', () => {
    expect(wholeRange(0.0625, 0.9375)).toEqual([0, 1]);
    expect(wholeRange(0.5, 2)).toEqual([0, 2]);
    expect(wholeRange(1, 1)).toEqual([1, 2]);
    expect(wholeRange(1, 7.5)).toEqual([1, 8]);
  });
});

describe('value axis', () => {
  it('labels a narrow range with distinct 1-2-5 ticks and enough decimals (the compare chart read "1.095" six times)', () => {
    const ticks = niceTicks(1.09502, 1.09561, 6);
    expect(ticks).toEqual([1.0951, 1.0952, 1.0953, 1.0954, 1.0955, 1.0956]);
    expect(tickLabels(ticks)).toEqual(['1.0951', '1.0952', '1.0953', '1.0954', '1.0955', '1.0956']);
    expect(tickLabels(niceTicks(0.6931, 0.6934, 4))).toEqual(['0.6931', '0.6932', '0.6933', '0.6934']);
  });

  it('steps by 1, 2 or 5 times a power of ten and keeps at most the ticks asked for', () => {
    expect(niceTicks(0, 1, 6)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(tickLabels(niceTicks(0, 1, 6))).toEqual(['0.0', '0.2', '0.4', '0.6', '0.8', '1.0']);
    expect(niceTicks(0.13, 2.4, 5)).toEqual([0.5, 1, 1.5, 2]);
    expect(tickLabels(niceTicks(0.13, 2.4, 5))).toEqual(['0.5', '1.0', '1.5', '2.0']);
    expect(niceTicks(3, 870, 5)).toEqual([200, 400, 600, 800]);
    expect(tickLabels(niceTicks(3, 870, 5))).toEqual(['200', '400', '600', '800']);
    expect(niceTicks(-0.03, 0.02, 6)).toEqual([-0.03, -0.02, -0.01, 0, 0.01, 0.02]);
    for (const [lo, hi, n] of [[1.09502, 1.09561, 6], [0, 1, 4], [0.0001, 0.00017, 5], [12, 9000, 7]]) {
      const ticks = niceTicks(lo, hi, n);
      const labels = tickLabels(ticks);
      expect(ticks.length).toBeGreaterThanOrEqual(2);
      expect(ticks.length).toBeLessThanOrEqual(n);
      expect(new Set(labels).size).toBe(labels.length);
    }
  });

  it('gives one tick for a flat range and none for a broken one', () => {
    expect(niceTicks(0.5, 0.5, 5)).toEqual([0.5]);
    expect(niceTicks(Number.NaN, 1, 5)).toEqual([]);
    expect(niceTicks(2, 1, 5)).toEqual([]);
  });
});
