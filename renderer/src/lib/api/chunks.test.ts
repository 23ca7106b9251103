import { describe, expect, it } from 'vitest';
import { chunks, IDS_PER_CALL } from './chunks.ts';

describe('chunks', () => {
  it('splits in order into parts of at most the size, the last one shorter', () => {
    expect(chunks([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunks([1, 2], 2)).toEqual([[1, 2]]);
    expect(chunks([], 2)).toEqual([]);
  });

  it('keeps a part of the default size well under the 1 MiB WebSocket limit', () => {
    const ids = Array.from({ length: IDS_PER_CALL }, (_, i) => 9_000_000 + i);
    const frame = JSON.stringify({ id: 1, method: 'labels.set', args: { imageIds: ids, classIds: [1], mode: 'replace' } });
    expect(frame.length).toBeLessThan(128 * 1024);
  });

  it('refuses a size that would never finish', () => {
    expect(() => chunks([1], 0)).toThrow('chunk size must be a positive integer, got 0');
  });
});
