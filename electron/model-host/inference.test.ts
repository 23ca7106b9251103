import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelled } from '../../shared/contract/errors.ts';
import type { RunConfig } from '../../shared/domain/run.ts';
import { createBackbone } from '../training/backbones/registry.ts';
import { preprocessImage } from '../training/preprocess/preprocess.ts';
import { preprocessFor } from '../training/trainer/model.ts';
import { decodeFile } from '../imaging/decode/index.ts';
import { type InferenceImage, type RunModel, predictImages, tfjsPredictor } from './inference.ts';

const dir = mkdtempSync(join(tmpdir(), 'labeltune-inference-'));
const images: InferenceImage[] = [];
let m: RunModel;

beforeAll(async () => {
  await tf.setBackend('cpu');
  for (let i = 0; i < 5; i++) {
    const path = join(dir, `img-${i}.png`);
    await sharp(Buffer.alloc(20 * 20 * 3, 0).map((_, k) => (k * (i + 1) * 13) % 256), { raw: { width: 20, height: 20, channels: 3 } }).png().toFile(path);
    images.push({ id: i + 1, path, frame: 0 });
  }
  const config = { backbone: 'test-tiny-resnet', imageSize: 16, classes: ['a', 'b', 'c'], multiLabel: false } as RunConfig;
  const backbone = createBackbone('test-tiny-resnet', { numClasses: 3, imageSize: 16, seed: 4 });
  m = { runId: 1, config, model: { backbone, adapters: null, forwardOptions: {} }, preprocess: preprocessFor(config), dispose: () => backbone.dispose() };
});
afterAll(() => {
  m.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('predictImages', () => {
  it('batches, reports progress, and equals a direct softmax forward of the preprocessed images', async () => {
    const progress: number[] = [];
    const before = tf.memory().numTensors;
    const probs = await predictImages(tfjsPredictor(m), images, { batchSize: 2, onProgress: (done) => progress.push(done) });
    expect(tf.memory().numTensors).toBe(before);
    expect(progress).toEqual([2, 4, 5]);
    const x = new Float32Array(5 * 16 * 16 * 3);
    for (let i = 0; i < 5; i++) x.set(preprocessImage((await decodeFile(images[i].path)).frames[0], m.preprocess), i * 16 * 16 * 3);
    const ref = tf.tidy(() => tf.softmax(m.model.backbone.forward(tf.tensor4d(x, [5, 16, 16, 3]))).arraySync() as number[][]);
    probs.forEach((row, i) => row.forEach((p, k) => expect(p).toBeCloseTo(ref[i][k], 6)));
    const sigmoid = await predictImages(tfjsPredictor({ ...m, config: { ...m.config, multiLabel: true } }), images.slice(0, 1));
    const logits = tf.tidy(() => m.model.backbone.forward(tf.tensor4d(x.subarray(0, 16 * 16 * 3), [1, 16, 16, 3])).arraySync()[0]);
    sigmoid[0].forEach((p, k) => expect(p).toBeCloseTo(1 / (1 + Math.exp(-logits[k])), 6));
  });

  it('stops between batches when cancelled, and names an unreadable file', async () => {
    const progress: number[] = [];
    let calls = 0;
    const check = () => {
      if (calls++ === 1) throw cancelled();
    };
    await expect(predictImages(tfjsPredictor(m), images, { batchSize: 2, onProgress: (d) => progress.push(d), checkCancelled: check })).rejects.toMatchObject({ code: 'cancelled' });
    expect(progress).toEqual([2]);
    const bad = join(dir, 'bad.png');
    writeFileSync(bad, 'not a png');
    await expect(predictImages(tfjsPredictor(m), [{ id: 9, path: bad, frame: 0 }])).rejects.toMatchObject({ code: 'validation', message: expect.stringContaining(`${bad} (image 9)`) });
  });
});
