import { totalmem } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webgpuTestAdapter } from '../../electron/training/backends/testing/webgpu-available.ts';
import { fillSampleProject } from '../../electron/engine/runs/testing/sample-project.ts';
import { type TestEngine, createTestProject } from '../../electron/engine/testing/test-engine.ts';

/**
 * `runs.plan` on the webgpu rung sizes the batch from the adapter Dawn reports. SwiftShader allows
 * 1 GiB buffers and bindings: a ResNet at 224 px (about 37·224² floats in its largest buffer per
 * image) fits 144 images, so batch 200 is refused with the limit and the largest batch that fits.
 */
const adapter = webgpuTestAdapter();
const title = adapter.ok ? 'runs.plan on webgpu' : `runs.plan on webgpu: SKIPPED, no WebGPU adapter here: ${adapter.reason}`;

let t: TestEngine;
beforeAll(async () => {
  t = await createTestProject();
  await fillSampleProject(t.engine.ctx.project().db, t.projectDir, { perClass: 4, classes: ['a', 'b'] });
});
afterAll(async () => {
  await t.dispose();
});

describe.skipIf(!adapter.ok)(title, () => {
  it('refuses a batch whose buffers exceed the adapter\'s limits, naming the largest that fits', async () => {
    const opts = { backbone: 'resnet18', imageSize: 224, backend: 'webgpu', strategy: 'full', epochs: 1 } as const;
    await expect(t.client.invoke('runs.plan', { ...opts, batchSize: 200 })).rejects.toMatchObject({
      code: 'validation',
      message: expect.stringMatching(/^Batch 200 of resnet18 at 224 px needs GPU buffers larger than this WebGPU adapter allows \(1024 MiB per buffer, SwiftShader.*use batch 144 or lower/),
    });
    const plan = await t.client.invoke('runs.plan', opts);
    expect(plan.config.batchSize).toBe(16); // the default fits
    expect(plan.estimate.rung).toBe('webgpu');
    // A software adapter's memory is the machine's: half of it, as for the other CPU rungs.
    expect(plan.estimate.memory.budgetMb).toBeCloseTo(totalmem() / 1e6 / 2, 0);
  });
});
