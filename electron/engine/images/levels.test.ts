import { describe, expect, it } from 'vitest';
import { pixelLevels } from './levels.ts';

describe('pixelLevels', () => {
  it('finds the range and percentiles of a 16-bit ramp', () => {
    const data = new Uint16Array(1001).map((_, i) => 1000 + i * 10);
    const levels = pixelLevels({ data });
    expect(levels.min).toBe(1000);
    expect(levels.max).toBe(11_000);
    expect(levels.percentiles[50]).toBe(6000);
    expect(levels.percentiles[1]).toBe(1100);
    expect(levels.percentiles[99]).toBe(10_900);
  });

  it('keeps a lone bright sample in the full range even when sampling with a stride', () => {
    const data = new Float32Array(3_000_000).fill(-1000);
    data[1_234_567] = 3071;
    const levels = pixelLevels({ data });
    expect(levels.min).toBe(-1000);
    expect(levels.max).toBe(3071);
    expect(levels.percentiles[99]).toBe(-1000);
  });
});
