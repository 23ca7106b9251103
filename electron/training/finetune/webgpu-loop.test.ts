import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backends/ladder.ts';
import { webgpuTestAdapter } from '../backends/testing/webgpu-available.ts';
import { gradCam } from '../explain/grad-cam.ts';
import { FineTuner } from './loop.ts';
import { lrFind } from './lr-find.ts';
import { type StrategyName, createStrategy } from './strategies.ts';
import { baseConfig } from './testing/config.ts';
import { syntheticData } from './testing/synthetic.ts';
import { createBackbone } from '../backbones/registry.ts';

/**
 * The training loop's work on the webgpu backend, in this process: every strategy path (cached
 * prefix, adapters, LoRA, the learned α), the LR range test and Grad-CAM. The backend cannot read
 * synchronously (Node has no OffscreenCanvas), so a sync read left anywhere on these paths throws
 * here; tensor and GPU-buffer counts must stay flat across steps and epochs.
 */
const adapter = webgpuTestAdapter();
const title = adapter.ok ? 'the training loop on webgpu' : `the training loop on webgpu: SKIPPED, no WebGPU adapter here: ${adapter.reason}`;
if (!adapter.ok) console.warn(title);

const SIZE = 16;
const train = syntheticData(16, SIZE, 3, 1);
const val = syntheticData(8, SIZE, 3, 2, 1000);

function tuner(strategy: StrategyName, vit: boolean, aux = false) {
  const backbone = vit ? createBackbone('test-tiny-vit', { numClasses: 3, imageSize: SIZE }) : createBackbone('test-tiny-resnet', { numClasses: 3, imageSize: SIZE });
  const auxConfig = aux ? { numClasses: 2, multiLabel: false, schedule: 'uncertainty' as const, alpha: 1 } : null;
  const data = aux ? { ...train, auxTargets: new Float32Array(16 * 2).map((_, i) => (i % 2 === Math.floor(i / 2) % 2 ? 1 : 0)), auxMask: new Float32Array(16).fill(1) } : train;
  return new FineTuner(backbone, createStrategy(strategy, backbone), baseConfig({ epochs: 2, batchSize: 8, aux: auxConfig, augment: strategy === 'full' ? {} : null }), data, val);
}

const usedBuffers = () => (tf.backend() as unknown as { bufferManager: { numUsedBuffers: number } }).bufferManager.numUsedBuffers;

describe.skipIf(!adapter.ok)(title, () => {
  beforeAll(async () => {
    await selectBackend({ prefer: 'webgpu', log: () => {} });
  });

  it.each([
    ['full', false, false],
    ['linear', false, false],
    ['lora', true, false],
    ['adapter', false, true],
  ] as const)('%s (vit: %s, learned α: %s): trains with flat tensor and GPU-buffer counts', async (strategy, vit, aux) => {
    expect(tf.getBackend()).toBe('webgpu');
    const t = tuner(strategy, vit, aux);
    const counts: [number, number][] = [];
    const rows = await t.fit({ onStep: () => counts.push([tf.memory().numTensors, usedBuffers()]) });
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => Number.isFinite(r.valLoss) && r.valAccuracy >= 0 && r.valAccuracy <= 1)).toBe(true);
    if (aux) expect(rows[1].alpha).not.toBe(1); // read back after each step, asynchronously
    // Step 1 of epoch 1 against the last step of epoch 2: nothing accumulates per step or per epoch.
    expect(counts.length).toBe(4);
    expect(counts.at(-1)![0]).toBe(counts[0][0]);
    expect(counts.at(-1)![1]).toBeLessThanOrEqual(counts[0][1]);
    t.dispose();
  });

  it('the LR range test and Grad-CAM run on it', async () => {
    const t = tuner('full', false);
    const { curve, suggestion } = await lrFind(t, { steps: 4, minLr: 1e-4, maxLr: 1e-1 });
    expect(curve).toHaveLength(4);
    expect(curve.every((p) => Number.isFinite(p.loss))).toBe(true);
    expect(suggestion).toBeGreaterThan(0);
    const x = tf.tensor4d(train.pixels(train.ids[0]), [1, SIZE, SIZE, 3]);
    const before = tf.memory().numTensors;
    const cam = await gradCam(t.backbone, x);
    expect(tf.memory().numTensors).toBe(before);
    expect(cam.logits).toHaveLength(3);
    expect(cam.classIndex).toBe(cam.logits.indexOf(Math.max(...cam.logits)));
    expect(Math.max(...cam.heatmap.values)).toBeLessThanOrEqual(1);
    x.dispose();
    t.dispose();
  });
});
