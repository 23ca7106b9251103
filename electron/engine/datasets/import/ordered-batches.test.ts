import { describe, expect, it } from 'vitest';
import { OrderedBatches } from './ordered-batches.ts';

describe('OrderedBatches', () => {
  it('hands items on in index order, in batches of at least the size, whatever order they finish in', () => {
    const batches: number[][] = [];
    const b = new OrderedBatches<number>(3, (batch) => batches.push(batch));
    for (const i of [1, 2, 0, 4, 3, 6, 7, 8, 5, 9]) b.add(i, i * 10);
    expect(batches).toEqual([[0, 10, 20], [30, 40, 50, 60, 70, 80]]);
    b.flush();
    b.flush();
    expect(batches).toEqual([[0, 10, 20], [30, 40, 50, 60, 70, 80], [90]]);
  });
});
