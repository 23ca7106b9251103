import { describe, expect, it } from 'vitest';
import { RUNG_GFLOPS, cachedRunSeconds, describeSeconds, fullRunSeconds, gflopsAt } from './budget.ts';

describe('training-time estimates', () => {
  it('scales GFLOPs with the pixel count', () => {
    expect(gflopsAt(1.82, 224, 224)).toBe(1.82);
    expect(gflopsAt(1.82, 224, 32)).toBeCloseTo(1.82 / 49, 12);
  });

  it('charges three forward passes per training image and one per validation image', () => {
    const b = { gflops: 1, trainImages: 100, valImages: 20, epochs: 2, rung: 'wasm' as const };
    expect(fullRunSeconds(b)).toBeCloseTo((2 * 320) / RUNG_GFLOPS.wasm, 9);
    // Cached strategies: one pass over every image, then only the trained top.
    expect(cachedRunSeconds(b, 0)).toBeCloseTo(120 / RUNG_GFLOPS.wasm, 9);
    expect(cachedRunSeconds(b, 0.1)).toBeCloseTo((120 + 64) / RUNG_GFLOPS.wasm, 9);
    expect(fullRunSeconds({ ...b, rung: 'tfjs-node-gpu' })).toBeLessThan(fullRunSeconds(b) / 100);
  });

  it('describes durations in the unit a person reads', () => {
    expect([describeSeconds(2), describeSeconds(42), describeSeconds(600), describeSeconds(3 * 3600)]).toEqual(['about 1 s', 'about 40 s', 'about 10 min', 'about 3.0 h']);
  });
});
