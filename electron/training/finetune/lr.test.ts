import { describe, expect, it } from 'vitest';
import { FALLBACK_LR, SCRATCH_LR, defaultLr, groupLearningRates, lrMultiplier } from './lr.ts';

describe('learning rates', () => {
  it('defaults to the pretraining LR / 10, else 1e-4 with a note', () => {
    expect(defaultLr('resnet50', 0.1).lr).toBeCloseTo(0.01, 12);
    const fallback = defaultLr('mystery', null);
    expect(fallback.lr).toBe(FALLBACK_LR);
    expect(fallback.note).toContain('not known');
  });

  it('does not apply the fine-tuning rule to a network trained from scratch', () => {
    const scratch = defaultLr('resnet50', 0.1, false);
    expect(scratch.lr).toBe(SCRATCH_LR);
    expect(scratch.note).toMatch(/No pretrained weights/);
  });

  it('decays layer-wise from the head down', () => {
    const lrs = groupLearningRates(['stem', 'layer1', 'head'], 1e-3, 0.5);
    expect(lrs.head).toBeCloseTo(1e-3, 15);
    expect(lrs.layer1).toBeCloseTo(5e-4, 15);
    expect(lrs.stem).toBeCloseTo(2.5e-4, 15);
  });

  it('warms up linearly, then follows a cosine to the floor', () => {
    expect(lrMultiplier(0, 100, 10)).toBeCloseTo(0.1, 12);
    expect(lrMultiplier(9, 100, 10)).toBeCloseTo(1, 12);
    expect(lrMultiplier(10, 100, 10)).toBeCloseTo(1, 12);
    expect(lrMultiplier(55, 100, 10, 0)).toBeCloseTo(0.5, 12); // halfway through the cosine
    expect(lrMultiplier(100, 100, 10, 0.01)).toBeCloseTo(0.01, 12);
  });
});
