import { describe, expect, it } from 'vitest';
import { gridWindow, scrollToShow } from './grid-window.ts';

describe('gridWindow', () => {
  it('renders only the visible rows plus the overscan at 50,000 images', () => {
    // 1000 px wide -> 6 columns of 148; 740 px high -> 5 rows visible.
    const w = gridWindow(50_000, 1000, 740, 148 * 1000, 148);
    expect(w.columns).toBe(6);
    expect(w.rows).toBe(8334);
    expect(w.first).toBe((1000 - 2) * 6);
    expect(w.last).toBe((1000 + 5 + 2 + 1) * 6 - 1);
    expect(w.last - w.first + 1).toBe(60);
  });

  it('clamps at both ends and handles an empty list', () => {
    expect(gridWindow(10, 1000, 740, 0)).toEqual({ columns: 6, rows: 2, first: 0, last: 9 });
    expect(gridWindow(0, 1000, 740, 0).last).toBe(-1);
  });
});

describe('scrollToShow', () => {
  it('scrolls up or down just enough to show the cursor row', () => {
    expect(scrollToShow(0, 6, 740, 300, 148)).toBe(0);
    expect(scrollToShow(60, 6, 740, 0, 148)).toBe(10 * 148 + 148 - 740);
    expect(scrollToShow(6, 6, 740, 0, 148)).toBeNull();
  });
});
