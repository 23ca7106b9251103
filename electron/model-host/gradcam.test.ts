import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunConfig } from '../../shared/domain/run.ts';
import { decodeFile } from '../imaging/decode/index.ts';
import { gradCam } from '../training/explain/grad-cam.ts';
import { saveCheckpoint } from '../training/finetune/checkpoint.ts';
import { FineTuner } from '../training/finetune/loop.ts';
import { createStrategy } from '../training/finetune/strategies.ts';
import { baseConfig } from '../training/finetune/testing/config.ts';
import { syntheticData } from '../training/finetune/testing/synthetic.ts';
import { preprocessImage } from '../training/preprocess/preprocess.ts';
import { buildBackbone, strategyOptions } from '../training/trainer/model.ts';
import { upsampleBilinear } from './cam.ts';
import { gradcam } from './gradcam.ts';
import { loadRunModel } from './inference.ts';
import { conversionFiles } from './onnx-conversion.ts';
import { maxAbsDiff } from './run-inference.ts';

const dir = mkdtempSync(join(tmpdir(), 'labeltune-cam-'));
const image = { id: 1, path: join(dir, 'img.png'), frame: 0 };

const runConfig = (backbone: string, strategy: RunConfig['strategy'] = 'full'): RunConfig => ({
  backbone, weights: null, pretrained: false, strategy, strategyReason: '', imageSize: 96, epochs: 1, batchSize: 8, lr: 0.01, bodyLr: 0.01, lrNote: '',
  layerDecay: 1, weightDecay: 0, warmupFraction: 0, gradualEvery: 1, seed: 3, multiLabel: false, classes: ['a', 'b', 'c'],
  classWeights: null, labelSmoothing: 0, aux: null, augment: false, horizontalFlip: false, resize: 'crop', patience: 0, backend: 'cpu',
});

/** A checkpoint with BatchNorm scales moved off their identity init, so the last stage's map has structure. */
async function checkpoint(config: RunConfig, name: string): Promise<string> {
  const backbone = await buildBackbone(config);
  for (const [n, v] of backbone.variables) if (/bn\d\.weight$/.test(n)) v.assign(tf.add(v, tf.randomUniform(v.shape, 0.5, 1.5, 'float32', 7)));
  const strategy = createStrategy(config.strategy, backbone, strategyOptions(config));
  const t = new FineTuner(backbone, strategy, baseConfig({ numClasses: 3 }), syntheticData(4, config.imageSize, 3, 1), syntheticData(2, config.imageSize, 3, 2, 10));
  const file = await saveCheckpoint(t, join(dir, name), 1);
  t.dispose();
  backbone.dispose();
  return file;
}

/** Today's implementation (TF.js gradients) on the same checkpoint and image. */
async function reference(config: RunConfig, file: string, classIndex?: number) {
  const m = await loadRunModel({ runId: 1, config, checkpoint: file });
  const x = tf.tensor4d(preprocessImage((await decodeFile(image.path)).frames[0], m.preprocess), [1, 96, 96, 3]);
  try {
    return gradCam(m.model.backbone, x, classIndex, m.model.forwardOptions);
  } finally {
    x.dispose();
    m.dispose();
  }
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  const raw = Buffer.alloc(128 * 128 * 3).map((_, k) => (Math.floor(k / 3) % 128 < 50 ? 220 : 20) + ((k * 13) % 30));
  await sharp(raw, { raw: { width: 128, height: 128, channels: 3 } }).png().toFile(image.path);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Grad-CAM of a ResNet as CAM on onnxruntime', () => {
  it.each([['full'], ['adapter']] as const)('equals the TF.js Grad-CAM (%s checkpoint): class, probabilities, grid and heatmap within 1e-4', async (strategy) => {
    const config = runConfig('resnet18', strategy);
    const file = await checkpoint(config, `resnet-${strategy}`);
    for (const classIndex of [undefined, 2]) {
      const ref = await reference(config, file, classIndex);
      const cam = await gradcam({ model: { runId: 1, config, checkpoint: file }, image, classIndex });
      expect(existsSync(conversionFiles(file).model)).toBe(true); // onnxruntime ran it
      expect(cam.classIndex).toBe(ref.classIndex);
      expect(cam.grid.values.some((v) => v > 0.05 && v < 0.95)).toBe(true); // a map with structure, not all 0 or 1
      expect(maxAbsDiff(cam.grid.values, ref.grid.values)).toBeLessThan(1e-4);
      expect(maxAbsDiff(cam.heatmap.values, ref.heatmap.values)).toBeLessThan(1e-4);
      expect(maxAbsDiff(cam.probs, Array.from(tf.tidy(() => tf.softmax(tf.tensor1d(ref.logits)).dataSync())))).toBeLessThan(1e-4);
    }
  });

  it('leaves ViTs on TF.js gradients (no conversion), with the same maps as before', async () => {
    const config = runConfig('vit_tiny_patch16_224');
    const file = await checkpoint(config, 'vit');
    const ref = await reference(config, file);
    const cam = await gradcam({ model: { runId: 2, config, checkpoint: file }, image });
    expect(existsSync(conversionFiles(file).model)).toBe(false);
    expect(maxAbsDiff(cam.grid.values, ref.grid.values)).toBeLessThan(1e-6);
  });

  it('upsamples as tf.image.resizeBilinear with half-pixel centres', () => {
    const grid = { width: 3, height: 2, values: Float32Array.from([0, 0.5, 1, 0.25, 0.75, 0.1]) };
    const ref = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(grid.values, [1, 2, 3, 1]), [7, 7], false, true).dataSync());
    expect(maxAbsDiff(upsampleBilinear(grid, 7).values, ref)).toBeLessThan(1e-6);
  });
});
