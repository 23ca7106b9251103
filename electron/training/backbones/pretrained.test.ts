import { describe, expect, it } from 'vitest';
import { ARCHITECTURES } from '../../../shared/architectures/index.ts';
import { PRETRAINED, architectureConfig, listPretrained, pretrainedConfig } from './pretrained.ts';
import { BACKBONE_NAMES, REGISTERED_NAMES, backboneLayout } from './registry.ts';
import { totalParams } from '../finetune/groups.ts';

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

  it('has one card per registered model and no other; the offered ones are the pretrained ones', () => {
    expect(Object.keys(ARCHITECTURES).sort()).toEqual([...REGISTERED_NAMES].sort());
    expect(Object.values(ARCHITECTURES).filter((c) => c.offered).map((c) => c.arch)).toEqual(BACKBONE_NAMES);
    expect(() => pretrainedConfig('test-tiny-resnet')).toThrow(/Unknown architecture/);
    expect(architectureConfig('test-tiny-resnet')).toMatchObject({ family: 'resnet', offered: false, cropPct: 1 });
  });

  it('states each card family, feature width and parameter count as the model declares them', () => {
    for (const name of REGISTERED_NAMES) {
      const card = architectureConfig(name);
      const layout = backboneLayout(name, { numClasses: 1000, imageSize: card.inputSize });
      expect([card.family, card.featureDim], name).toEqual([layout.family, layout.featureDim]);
      // timm's cards round to 0.01 M.
      expect(Math.abs(totalParams(layout) / 1e6 - card.paramsMillions), name).toBeLessThan(0.006);
    }
  });
});
