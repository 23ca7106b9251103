import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../backends/ladder.ts';
import { webgpuTestAdapter } from '../backends/testing/webgpu-available.ts';
import { activeWebgpu } from '../backends/webgpu-backend.ts';

/**
 * A lost device is not reused. Its own file, so its own process: after webgpu-failure.test.ts's
 * run lost its device mid-training, opening a device again in that same process crashed or hung
 * Dawn on SwiftShader in about 1 run in 6 (never with either test alone, 8 of 8 each). The app
 * does the same: a model host whose run lost the GPU fails that job and exits; the resume starts a
 * new host.
 */
const adapter = webgpuTestAdapter();
const title = adapter.ok ? 'a lost WebGPU device, asked for again' : `a lost WebGPU device, asked for again: SKIPPED, no WebGPU adapter here: ${adapter.reason}`;

describe.skipIf(!adapter.ok)(title, () => {
  it('opens a new device instead of reusing the lost one', async () => {
    await selectBackend({ prefer: 'webgpu', log: () => {} });
    const first = activeWebgpu()!;
    first.device.destroy();
    expect(await first.failed).toMatch(/^the GPU device was lost \(destroyed\)/);
    await selectBackend({ prefer: 'webgpu', log: () => {} });
    const second = activeWebgpu()!;
    expect(second.device).not.toBe(first.device);
    expect(second.failure()).toBeNull();
    const y = tf.matMul(tf.ones([64, 64]), tf.ones([64, 64]));
    expect((await y.data())[0]).toBe(64);
    y.dispose();
  });
});
