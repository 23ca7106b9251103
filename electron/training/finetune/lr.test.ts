import { describe, expect, it } from 'vitest';
import { BODY_LR_RATIO, HEAD_LR, LAYER_DECAY, SCRATCH_LR, groupLearningRates, lrMultiplier, lrRule } from './lr.ts';

describe('learning rates', () => {
  it('fine-tunes new parts at the head rate and the pretrained body one order of magnitude below', () => {
    const r = lrRule({ arch: 'resnet18', family: 'resnet', fromPretrained: true });
    expect(r.headLr).toBe(HEAD_LR.resnet);
    expect(r.bodyLr).toBeCloseTo(HEAD_LR.resnet / 10, 15);
    expect(BODY_LR_RATIO).toBe(0.1);
    expect(r.layerDecay).toBe(LAYER_DECAY.resnet);
    expect(r.note).toContain('1e-2');
    const vit = lrRule({ arch: 'vit_tiny_patch16_224', family: 'vit', fromPretrained: true });
    expect([vit.headLr, vit.layerDecay]).toEqual([3e-3, 0.75]);
    expect(vit.bodyLr).toBeCloseTo(3e-4, 15);
  });

  it('keeps the order of magnitude between head and body when the user sets the head rate', () => {
    const r = lrRule({ arch: 'resnet18', family: 'resnet', fromPretrained: true, headLr: 1e-2 });
    expect(r.headLr).toBe(1e-2);
    expect(r.bodyLr).toBeCloseTo(1e-3, 15);
    expect(r.note).toContain('set by the user');
    expect(lrRule({ arch: 'resnet18', family: 'resnet', fromPretrained: true, headLr: 1e-2, bodyLr: 5e-3 }).bodyLr).toBe(5e-3);
  });

  it('trains every layer at one scratch rate without pretrained weights', () => {
    const r = lrRule({ arch: 'resnet50', family: 'resnet', fromPretrained: false });
    expect([r.headLr, r.bodyLr, r.layerDecay]).toEqual([SCRATCH_LR, SCRATCH_LR, 1]);
    expect(r.note).toMatch(/No pretrained weights/);
  });

  it('gives the head its own rate and decays the body from its top group down', () => {
    const lrs = groupLearningRates(['stem', 'layer1', 'layer2', 'head'], 1e-3, 1e-4, 0.5);
    expect(lrs.head).toBeCloseTo(1e-3, 15);
    expect(lrs.layer2).toBeCloseTo(1e-4, 15);
    expect(lrs.layer1).toBeCloseTo(5e-5, 15);
    expect(lrs.stem).toBeCloseTo(2.5e-5, 15);
  });

  it('warms up linearly, then follows a cosine to the floor', () => {
    expect(lrMultiplier(0, 100, 10)).toBeCloseTo(0.1, 12);
    expect(lrMultiplier(9, 100, 10)).toBeCloseTo(1, 12);
    expect(lrMultiplier(10, 100, 10)).toBeCloseTo(1, 12);
    expect(lrMultiplier(55, 100, 10, 0)).toBeCloseTo(0.5, 12); // halfway through the cosine
    expect(lrMultiplier(100, 100, 10, 0.01)).toBeCloseTo(0.01, 12);
  });
});
