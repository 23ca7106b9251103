import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../backends/ladder.ts';
import { webgpuTestAdapter } from '../backends/testing/webgpu-available.ts';
import { type DawnDevice, activeWebgpu, watch } from '../backends/webgpu-backend.ts';
import { FineTuner } from '../finetune/loop.ts';
import { createStrategy } from '../finetune/strategies.ts';
import { baseConfig } from '../finetune/testing/config.ts';
import { syntheticData } from '../finetune/testing/synthetic.ts';
import { createBackbone } from '../backbones/registry.ts';
import { failOnGpuLoss } from './session.ts';

/** A device whose loss and errors the test triggers. */
function fakeDevice() {
  let lose: (info: { reason: string; message: string }) => void = () => {};
  let onError: ((e: { error: { message: string } }) => void) | null = null;
  const device: DawnDevice = {
    lost: new Promise((r) => (lose = r)),
    limits: {},
    addEventListener: (_type, fn) => (onError = fn),
    destroy: () => {},
  };
  return { device, lose, error: (message: string) => onError!({ error: { message } }) };
}

describe('watching the WebGPU device', () => {
  it('names a lost device, logs it once, and settles `failed` with the first failure', async () => {
    const f = fakeDevice();
    const lines: string[] = [];
    const w = watch(f.device, (l) => lines.push(l));
    expect(w.failure()).toBeNull();
    f.lose({ reason: 'unknown', message: 'VK_ERROR_DEVICE_LOST' });
    expect(await w.failed).toBe('the GPU device was lost (unknown): VK_ERROR_DEVICE_LOST');
    f.error('Out of memory');
    expect(w.failure()).toBe('the GPU device was lost (unknown): VK_ERROR_DEVICE_LOST');
    expect(lines).toEqual(['webgpu: the GPU device was lost (unknown): VK_ERROR_DEVICE_LOST']);
  });

  it('tells an out-of-memory error from other uncaught GPU errors', () => {
    const oom = fakeDevice();
    const a = watch(oom.device, () => {});
    oom.error('Out of memory allocating 4294967296 bytes\n - While calling [Device].CreateBuffer');
    expect(a.failure()).toBe('the GPU ran out of memory: Out of memory allocating 4294967296 bytes');
    const other = fakeDevice();
    const b = watch(other.device, () => {});
    other.error('Buffer size (1099511627776) exceeds the max buffer size limit (268435456).');
    expect(b.failure()).toBe('GPU error: Buffer size (1099511627776) exceeds the max buffer size limit (268435456).');
  });
});

const adapter = webgpuTestAdapter();
const title = adapter.ok ? 'a run whose GPU is lost' : `a run whose GPU is lost: SKIPPED, no WebGPU adapter here: ${adapter.reason}`;

describe.skipIf(!adapter.ok)(title, () => {
  it('fails with the reason and the way to resume, instead of hanging or reporting NaN', async () => {
    await selectBackend({ prefer: 'webgpu', log: () => {} });
    const backbone = createBackbone('test-tiny-resnet', { numClasses: 3, imageSize: 16 });
    const t = new FineTuner(backbone, createStrategy('full', backbone), baseConfig({ epochs: 3, batchSize: 8, augment: null }), syntheticData(16, 16, 3, 1), syntheticData(8, 16, 3, 2, 100));
    const done: number[] = [];
    const run = failOnGpuLoss(() => t.fit({
      onEpochEnd: (m) => {
        done.push(m.epoch);
        if (m.epoch === 0) activeWebgpu()!.device.destroy(); // as a driver reset would
      },
    }));
    await expect(run).rejects.toMatchObject({
      code: 'internal',
      message: expect.stringMatching(/^Training stopped on the GPU: the GPU device was lost \(destroyed\): .*resume the run .*--backend wasm/),
    });
    expect(done).toEqual([0]); // epoch 1 finished (its checkpoint is written there); nothing after the loss
    expect(tf.getBackend()).toBe('webgpu');
  });
});
