import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FineTuner } from './loop.ts';
import { searchLr } from './lr-search.ts';
import { createStrategy } from './strategies.ts';
import { baseConfig } from './testing/config.ts';
import { syntheticData } from './testing/synthetic.ts';
import { createBackbone } from '../backbones/registry.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const snapshot = (t: FineTuner) => t.allVariables().map((v) => Array.from(v.dataSync()));

describe('automatic LR range test before training', () => {
  it('leaves weights, BatchNorm statistics and optimizer state as they were, and scales every group to the kept suggestion', async () => {
    const b = createBackbone('test-tiny-resnet', { numClasses: 3, imageSize: 16 });
    const t = new FineTuner(b, createStrategy('full', b), baseConfig({ lr: 1e-2, bodyLr: 1e-3, layerDecay: 0.5 }), syntheticData(24, 16, 3, 1), syntheticData(6, 16, 3, 2, 100));
    const before = snapshot(t);
    const lrs = { ...t.params.baseLrs };
    const found = await searchLr(t, { steps: 30, low: 1e-2 / 3, high: 3e-2 });
    expect(snapshot(t)).toEqual(before);
    for (const o of t.params.optimizers.values()) {
      expect(o.step).toBe(0);
      for (const m of o.stateTensors().values()) expect(Math.max(...Array.from(m.dataSync(), Math.abs))).toBe(0);
    }
    expect(found.curve.length).toBeGreaterThan(5);
    expect(found.used).toBe(Math.min(3e-2, Math.max(1e-2 / 3, found.suggestion)));
    for (const g of Object.keys(lrs)) expect(t.params.baseLrs[g]).toBeCloseTo(lrs[g] * (found.used / 1e-2), 12);
    // The range test really trained: without the restore the weights would have moved.
    expect(found.curve.at(-1)!.loss).not.toBe(found.curve[0].loss);
    t.dispose();
    b.dispose();
  });

  it('keeps a wild suggestion within the band', async () => {
    const b = createBackbone('test-tiny-resnet', { numClasses: 3, imageSize: 16 });
    const t = new FineTuner(b, createStrategy('linear', b), baseConfig({ lr: 1e-2 }), syntheticData(24, 16, 3, 1), syntheticData(6, 16, 3, 2, 100));
    // A band far above anything sensible: the sweep (10 to 3e5) suggests below it, the run uses its lower edge.
    const found = await searchLr(t, { steps: 20, low: 1e3, high: 1e4 });
    expect(found.suggestion).toBeLessThan(1e3);
    expect(found.used).toBe(1e3);
    expect(Math.max(...Object.values(t.params.baseLrs))).toBeCloseTo(1e3, 6);
    t.dispose();
    b.dispose();
  });
});
