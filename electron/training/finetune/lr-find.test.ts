import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { lrFind, suggestLr } from './lr-find.ts';
import { FineTuner } from './loop.ts';
import { createStrategy } from './strategies.ts';
import { baseConfig } from './testing/config.ts';
import { syntheticData } from './testing/synthetic.ts';
import { createTinyResnet } from './testing/tiny-resnet.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('LR range test', () => {
  it('suggests the LR of the steepest descent of the loss', () => {
    const curve = [1e-5, 1e-4, 1e-3, 1e-2, 1e-1].map((lr, i) => ({ lr, loss: [2, 1.9, 1.2, 1.0, 3][i] }));
    // Slopes around 1e-4: (1.2-2)/ln(100) ; around 1e-3: (1.0-1.9)/ln(100) (steepest) ; around 1e-2: +.
    expect(suggestLr(curve)).toBe(1e-3);
  });

  it('sweeps the LR exponentially and suggests one from the falling part of the curve', async () => {
    const b = createTinyResnet({ numClasses: 3, imageSize: 16 });
    const t = new FineTuner(b, createStrategy('linear', b), baseConfig({ lr: 1e-3 }), syntheticData(24, 16, 3, 1), syntheticData(6, 16, 3, 2, 100));
    const { curve, suggestion } = await lrFind(t, { steps: 40, minLr: 1e-5, maxLr: 100 });
    expect(curve[0].lr).toBeCloseTo(1e-5, 12);
    expect(curve[1].lr / curve[0].lr).toBeCloseTo((100 / 1e-5) ** (1 / 39), 6);
    // A linear probe on separable features keeps improving even at large LRs (Adam's steps are
    // bounded), so the sweep runs to the end; the suggestion lies where the loss falls.
    expect(curve).toHaveLength(40);
    expect(curve[39].loss).toBeLessThan(curve[0].loss);
    expect(suggestion).toBeGreaterThan(1e-2);
    expect(suggestion).toBeLessThan(100);
    t.dispose();
  });
});
