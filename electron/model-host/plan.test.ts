import { describe, expect, it } from 'vitest';
import type { ManifestItem, PaceRecord, RunData } from '../../shared/contract/model-host.ts';
import type { RunOptions } from '../../shared/contract/runs.ts';
import type { RunConfig } from '../../shared/domain/run.ts';
import { ADAPTER_VIT_MAX_LR, paceLookup, plannedBatchSize, resolveConfig } from './plan.ts';

describe('paceLookup', () => {
  const config = { backbone: 'resnet18', strategy: 'linear', imageSize: 64 } as RunConfig;
  const pace = (p: Partial<PaceRecord>): PaceRecord => ({ backbone: 'resnet18', strategy: 'linear', imageSize: 64, backend: 'wasm', runId: 1, imagesPerSec: 10, ...p });

  it('takes the pace of the resolved backbone, strategy and image size on the asked rung, and nothing else', () => {
    const lookup = paceLookup(config, [
      pace({ strategy: 'full', runId: 2 }),
      pace({ imageSize: 32, runId: 3 }),
      pace({ backbone: 'resnet50', runId: 4 }),
      pace({ backend: 'cpu', runId: 5, imagesPerSec: 3 }),
      pace({ runId: 6, imagesPerSec: 41.2 }),
    ]);
    expect(lookup('wasm')).toEqual({ runId: 6, imagesPerSec: 41.2 });
    expect(lookup('cpu')).toEqual({ runId: 5, imagesPerSec: 3 });
    expect(lookup('tfjs-node')).toBeNull();
    expect(paceLookup(config, [])('wasm')).toBeNull();
  });
});

describe('plannedBatchSize', () => {
  it("gives the largest power of two up to 16 whose full step fits the rung's memory (wasm's 3.5 GB: 2 images of ResNet-50 or ViT-S at 224 px)", () => {
    const at224 = (rung: 'wasm' | 'tfjs-node-gpu') => ['resnet18', 'resnet50', 'vit_small_patch16_224'].map((arch) => plannedBatchSize(arch, 'full', 224, rung));
    expect(at224('wasm')).toEqual([8, 2, 2]);
    expect(at224('tfjs-node-gpu')).toEqual([16, 4, 4]);
    // top does not keep the body's activations for a backward pass, so the whole default batch fits.
    expect(plannedBatchSize('resnet50', 'top', 224, 'wasm')).toBe(16);
  });
});

describe('the plan cautions against a ViT adapter rate where adapters diverged', () => {
  const item = { id: 1, path: 'x.png', frame: 0, classes: [0], aux: null } as ManifestItem;
  const data: RunData = { classes: ['a', 'b'], multiLabel: false, manifest: { train: Array(20).fill(item), val: Array(4).fill(item) }, trainCounts: [10, 10], aux: null };
  const note = (backbone: string, strategy: RunOptions['strategy'], lr?: number) =>
    resolveConfig({ backbone, strategy, lr, imageSize: 32, epochs: 2, seed: 1, batchSize: 2, backend: 'cpu' }, data, '/nonexistent-home').lrNote;

  it('says so for adapters on a ViT at or above the measured limit, naming the rate and the fix', () => {
    expect(note('vit_tiny_patch16_224', 'adapter', 0.05)).toMatch(/Caution: adapters on a ViT at 0\.05 diverged .* below 0\.01\.$/);
    expect(note('vit_tiny_patch16_224', 'adapter', ADAPTER_VIT_MAX_LR)).toMatch(/Caution/);
  });

  it('stays quiet below it, for the rule\'s own rate, for other strategies and for ResNets', () => {
    expect(note('vit_tiny_patch16_224', 'adapter', 0.009)).not.toMatch(/Caution/);
    expect(note('vit_tiny_patch16_224', 'adapter')).not.toMatch(/Caution/);
    expect(note('vit_tiny_patch16_224', 'linear', 0.05)).not.toMatch(/Caution/);
    expect(note('resnet18', 'adapter', 0.05)).not.toMatch(/Caution/);
  });
});
