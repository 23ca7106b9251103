import { describe, expect, it } from 'vitest';
import { PRETRAINED, listPretrained, pretrainedConfig } from './pretrained.ts';

describe('pretrained catalog', () => {
  it('has the six architectures with timm’s preprocessing values', () => {
    expect(Object.keys(PRETRAINED)).toEqual([
      'resnet18', 'resnet34', 'resnet50', 'vit_tiny_patch16_224', 'vit_small_patch16_224', 'vit_base_patch16_224',
    ]);
    const r50 = pretrainedConfig('resnet50');
    expect(r50).toMatchObject({ family: 'resnet', inputSize: 224, cropPct: 0.95, classifier: 'fc', featureDim: 2048, interpolation: 'bicubic' });
    expect(r50.mean).toEqual([0.485, 0.456, 0.406]);
    expect(r50.std).toEqual([0.229, 0.224, 0.225]);
    expect(r50.weights).toEqual({ repo: 'timm/resnet50.a1_in1k', file: 'model.safetensors', sha256: null });
    expect(r50.pretraining).toMatchObject({ optimizer: 'lamb', lr: 5e-3, batchSize: 2048 });
    const vt = pretrainedConfig('vit_tiny_patch16_224');
    expect(vt).toMatchObject({ family: 'vit', cropPct: 0.9, classifier: 'head', featureDim: 192, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
    expect(vt.weights.repo).toBe('timm/vit_tiny_patch16_224.augreg_in21k_ft_in1k');
    expect(vt.pretraining).toMatchObject({ optimizer: 'adam', lr: 1e-3, batchSize: 4096 });
    expect(listPretrained().map((c) => c.featureDim)).toEqual([512, 512, 2048, 192, 384, 768]);
    expect(listPretrained().every((c) => c.numClasses === 1000)).toBe(true);
  });

  it('names the known architectures when one is unknown', () => {
    expect(() => pretrainedConfig('resnet101')).toThrow(/Unknown architecture "resnet101"\. Available: resnet18, resnet34, resnet50, vit_tiny/);
    expect(() => pretrainedConfig('toString')).toThrow(/Unknown architecture "toString"/);
  });
});
