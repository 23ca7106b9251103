import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManifestItem, RunData } from '../../shared/contract/model-host.ts';
import { STRATEGY_NAMES, type RunConfig } from '../../shared/domain/run.ts';
import { REGISTERED_NAMES, backboneLayout, createBackbone } from '../training/backbones/index.ts';
import { useTestBackend } from '../training/backbones/testing.ts';
import type { Backbone } from '../training/backbones/types.ts';
import { totalParams } from '../training/finetune/groups.ts';
import { createStrategy, trainableSummary } from '../training/finetune/strategies.ts';
import { strategyOptions } from '../training/trainer/model.ts';
import { countPlanned, planRun, resolveConfig } from './plan.ts';

beforeAll(useTestBackend);

const SIZE = 32;
const CLASSES = ['a', 'b', 'c'];
const item: ManifestItem = { id: 1, path: 'x.png', frame: 0, classes: [0], aux: null } as ManifestItem;
const data: RunData = { classes: CLASSES, multiLabel: false, manifest: { train: Array(40).fill(item), val: Array(8).fill(item) }, trainCounts: [20, 10, 10], aux: null };

function config(backbone: string, strategy: RunConfig['strategy']): RunConfig {
  return resolveConfig({ backbone, strategy, imageSize: SIZE, epochs: 6, seed: 3, batchSize: 2, backend: 'cpu' }, data, '/nonexistent-home');
}

/** timm's parameter counts with the 1000-class head (`sum(p.numel() for p in model.parameters())`). */
const TIMM_PARAMS: Record<string, number> = {
  resnet18: 11_689_512,
  resnet34: 21_797_672,
  resnet50: 25_557_032,
  vit_tiny_patch16_224: 5_717_416,
  vit_small_patch16_224: 22_050_664,
  vit_base_patch16_224: 86_567_656,
};

describe('parameter counts from shapes', () => {
  it.each(Object.entries(TIMM_PARAMS))('%s at 224 px and 1000 classes has timm\'s %i parameters', (name, expected) => {
    expect(totalParams(backboneLayout(name, { numClasses: 1000, imageSize: 224 }))).toBe(expected);
  });

  // One model per architecture (ViT-B is 340 MB), counted under every strategy.
  describe.each(REGISTERED_NAMES)('%s', (name) => {
    let built: Backbone;
    beforeAll(() => {
      built = createBackbone(name, { numClasses: CLASSES.length, imageSize: SIZE, seed: 3 });
    });
    afterAll(() => built.dispose());

    it('declares the shapes the built model allocates, in the same order', () => {
      const layout = backboneLayout(name, { numClasses: CLASSES.length, imageSize: SIZE });
      expect([...layout.shapes]).toEqual([...built.shapes]);
      expect(layout.groups).toEqual(built.groups);
      for (const v of layout.shapes.keys()) expect(layout.groupOf(v), v).toBe(built.groupOf(v));
    });

    it.each(STRATEGY_NAMES)('%s: the plan counts what the built model trains', (strategy) => {
      if (strategy === 'lora' && built.family === 'resnet') {
        expect(() => countPlanned(config(name, strategy))).toThrow(/LoRA adapts attention layers/);
        return;
      }
      const cfg = config(name, strategy);
      const planned = countPlanned(cfg);
      const made = createStrategy(strategy, built, strategyOptions(cfg));
      try {
        const s = trainableSummary(built, made, cfg.epochs);
        expect({ trainableParams: planned.trainableParams, totalParams: planned.totalParams, groups: planned.groups }).toEqual({
          trainableParams: s.trainableParams,
          totalParams: s.totalParams,
          groups: s.groups,
        });
        expect(planned.trainableParams).toBeGreaterThan(0);
        if (strategy !== 'full') expect(planned.trainableParams).toBeLessThan(planned.totalParams);
      } finally {
        made.extension?.dispose();
      }
    });
  });
});

describe('planning', () => {
  it.each(['vit_base_patch16_224', 'resnet50', 'test-tiny-resnet'])('%s: allocates no tensor', (name) => {
    const before = tf.memory();
    for (const strategy of ['full', 'adapter', 'gradual'] as const) {
      const plan = planRun(config(name, strategy), data);
      expect(plan.totalParams).toBeGreaterThan(0);
    }
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
  });
});
