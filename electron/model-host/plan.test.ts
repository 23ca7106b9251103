import { describe, expect, it } from 'vitest';
import type { PaceRecord } from '../../shared/contract/model-host.ts';
import type { RunConfig } from '../../shared/domain/run.ts';
import { paceLookup } from './plan.ts';

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
