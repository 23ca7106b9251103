import { describe, expect, it } from 'vitest';
import {
  RUNG_GFLOPS, bufferLimitedBatch, cachedRunSeconds, describeSeconds, fullRunSeconds, gflopsAt, largestBatch, largestBufferFloatsPerImage, memoryBudgetMb, stepMemoryMb,
} from './budget.ts';

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

describe('memory plan', () => {
  // vit_small_patch16_224 at 224 px, full fine-tuning: measured peaks 1,427 MB at batch 1 and 2,248 MB at batch 2.
  const vitSmall = { paramsMillions: 22.05, mbPerImage: 821, throughBody: true, trainsBody: true };

  it('reproduces the measured peaks within 10%', () => {
    expect(stepMemoryMb(vitSmall, 1)).toBeGreaterThan(1427 * 0.9);
    expect(stepMemoryMb(vitSmall, 1)).toBeLessThan(1427 * 1.1);
    expect(stepMemoryMb(vitSmall, 2)).toBeGreaterThan(2248 * 0.9);
    expect(stepMemoryMb(vitSmall, 2)).toBeLessThan(2248 * 1.1);
  });

  it('picks the largest power-of-two batch that fits, the wanted one when it fits, 0 when nothing does', () => {
    expect(largestBatch(vitSmall, 16, memoryBudgetMb('wasm', 24_000))).toBe(2);
    expect(largestBatch(vitSmall, 16, memoryBudgetMb('tfjs-node', 64_000))).toBe(16);
    expect(largestBatch(vitSmall, 12, 20_000)).toBe(12);
    expect(largestBatch({ ...vitSmall, mbPerImage: 5000 }, 16, 3500)).toBe(0);
    // A cached prefix keeps a tenth of the activations: ResNet-50 top fits batch 16 on wasm.
    expect(largestBatch({ paramsMillions: 25.56, mbPerImage: 938, throughBody: false, trainsBody: false }, 16, 3500)).toBe(16);
  });
});

describe('webgpu limits', () => {
  const mib128 = { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 128 * 2 ** 20 };

  it('sizes the largest buffer of one image: the ResNet stem\'s patch matrix, the ViT\'s MLP or attention', () => {
    expect(largestBufferFloatsPerImage('resnet', 224)).toBe(37 * 224 * 224);
    const vitS = { patchSize: 16, embedDim: 384, numHeads: 6, mlpRatio: 4 };
    expect(largestBufferFloatsPerImage('vit', 224, vitS)).toBe(197 * 384 * 4); // MLP 302,592 > attention 6·197² = 232,854
    expect(largestBufferFloatsPerImage('vit', 448, vitS)).toBe(6 * 785 * 785); // attention grows with T²
  });

  it('caps the batch by the smaller of maxBufferSize and maxStorageBufferBindingSize', () => {
    expect(bufferLimitedBatch(37 * 224 * 224, mib128)).toBe(18); // 134,217,728 / 7,426,048 bytes
    expect(bufferLimitedBatch(37 * 224 * 224, { ...mib128, maxStorageBufferBindingSize: 2 ** 31 })).toBe(144);
    expect(bufferLimitedBatch(197 * 384 * 4, mib128)).toBe(110);
  });

  it('budgets 4 GB on a hardware adapter and half the machine on a software one', () => {
    expect(memoryBudgetMb('webgpu', 16_000)).toBe(4000);
    expect(memoryBudgetMb('webgpu', 16_000, true)).toBe(8000);
    expect(memoryBudgetMb('wasm', 16_000, true)).toBe(3500);
  });
});
