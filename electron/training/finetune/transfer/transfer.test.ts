import { beforeAll, describe, expect, it } from 'vitest';
import { useTestBackend } from '../../backbones/testing.ts';
import { type TransferResult, runTransfer } from './experiment.ts';
import { fashionTrainAndTestAvailable, pickPerClass, readFashionSplit, toTrainData } from './fashion-data.ts';
import { createSmallResnet } from './small-resnet.ts';

const available = fashionTrainAndTestAvailable();
if (!available) console.warn('transfer.test.ts skipped: Fashion-MNIST is missing; apt-get install dataset-fashion-mnist');

describe.skipIf(!available)('Fashion-MNIST transfer (classes 0-4 -> 5-9, 50 labels per class)', () => {
  beforeAll(async () => {
    await useTestBackend();
  });

  it('picks images per class in file order, disjoint when skipping, and preprocesses them', () => {
    const raw = readFashionSplit('t10k');
    const first = pickPerClass(raw, [5, 9], 3);
    const next = pickPerClass(raw, [5, 9], 3, 3);
    expect(first).toHaveLength(6);
    expect(first.filter((i) => next.includes(i))).toEqual([]);
    expect(first.map((i) => raw.labels[i]).sort()).toEqual([5, 5, 5, 9, 9, 9]);
    const data = toTrainData(raw, first, [5, 9], 16);
    expect(data.labels.filter((l) => l === 1)).toHaveLength(3);
    const px = data.pixels(0);
    expect(px).toHaveLength(16 * 16 * 3);
    // Grey repeated to three channels; background 0 maps to -mean/std.
    expect(px[0]).toBeCloseTo(px[1], 6);
    expect(px[0]).toBeCloseTo(-0.286 / 0.353, 4);
  });

  /*
   * The experiment at CI size: all 30,000 source images for one epoch at 16 px, then 50
   * labels per class for 10 epochs, tested on 2,000 t10k images (400 per class, so one standard
   * error is about 0.7 points). Measured (docs/benchmarks.md): full 0.907, gradual 0.903, linear (head only) 0.796,
   * scratch 0.876 for seed 1. The margin asserted is half the measured one: a broken weight copy, a
   * learning rate that wipes the pretrained features or a head that leaks the source's weights
   * takes it away.
   */
  it('fine-tuning a network pretrained on classes 0-4 beats the same network trained from scratch on 250 labels of classes 5-9', { timeout: 900_000 }, async () => {
    const r: TransferResult = await runTransfer({
      makeBackbone: (seed) => createSmallResnet({ numClasses: 5, imageSize: 16, seed }),
      imageSize: 16,
      seed: 1,
      sourcePerClass: 6000,
      targetPerClass: 50,
      testPerClass: 400,
      pretrain: { epochs: 1, lr: 3e-3, batchSize: 32 },
      finetune: { epochs: 10, lr: 2e-3, batchSize: 25 },
      scratchLr: 3e-3,
      strategyLr: { linear: 5e-2 },
      strategies: ['full', 'gradual', 'linear'],
    });
    const acc = Object.fromEntries(r.rows.map((row) => [row.name, row.accuracy]));
    expect(r.rows.map((row) => row.name)).toEqual(['full', 'gradual', 'linear', 'scratch']);
    expect(r.source.accuracy).toBeGreaterThan(0.85);
    expect(acc.scratch).toBeGreaterThan(0.8);
    expect(acc.full - acc.scratch).toBeGreaterThan(0.015);
    expect(acc.gradual - acc.scratch).toBeGreaterThan(0.015);
    // A linear probe on frozen garment features is far above chance (0.2) but below scratch here.
    expect(acc.linear).toBeGreaterThan(0.7);
    const share = Object.fromEntries(r.rows.map((row) => [row.name, row.trainableShare]));
    expect(share.full).toBe(1);
    expect(share.linear).toBeCloseTo(325 / 74965, 6);
  });
});
