import { describe, expect, it } from 'vitest';
import type { PaceRecord } from '../../shared/contract/model-host.ts';
import type { RunConfig } from '../../shared/domain/run.ts';
import { paceLookup, plannedBatchSize } from './plan.ts';

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
