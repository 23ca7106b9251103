import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeatureCache, type ImageShape, stackImages } from './feature-cache.ts';
import { type TrainData, FineTuner } from './loop.ts';
import { Rng } from './rng.ts';
import { createStrategy } from './strategies.ts';
import { baseConfig } from './testing/config.ts';
import { createBackbone } from '../backbones/registry.ts';

/** Non-square inputs through the training loop and the frozen-prefix cache: ResNets take them, ViTs refuse them. */

const dir = mkdtempSync(join(tmpdir(), 'labeltune-shapes-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SHAPE: ImageShape = [12, 20];

/**
 * Class c lifts channel c, plus noise; every image is 12×20. The noise (σ 0.25) is low enough for a
 * linear probe on the tiny ResNet's 8 random channels (at σ 0.5 it stops near 0.8).
 */
function wideData(n: number, seed: number, idOffset: number): TrainData {
  const rng = new Rng(seed);
  const [h, w] = SHAPE;
  const pixels = new Map<number, Float32Array>();
  const targets = new Float32Array(n * 3);
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    const img = new Float32Array(h * w * 3);
    for (let p = 0; p < h * w; p++) for (let ch = 0; ch < 3; ch++) img[p * 3 + ch] = rng.normal() * 0.25 + (ch === c ? 1 : 0);
    pixels.set(idOffset + i, img);
    ids.push(idOffset + i);
    targets[i * 3 + c] = 1;
  }
  return { ids, targets, pixels: (id) => pixels.get(id)!, imageShape: SHAPE };
}

const train = wideData(24, 1, 0);
const val = wideData(24, 2, 1000);

describe('non-square images in training', () => {
  it('the feature cache stores 12×20 prefixes apart from square ones and equals the direct forward pass', async () => {
    const b = createBackbone('test-tiny-resnet', { numClasses: 3, imageSize: 16, seed: 1 });
    const cache = new FeatureCache(b, dir);
    const ids = train.ids.slice(0, 5);
    const cached = await cache.batch({ group: 2, op: 0 }, ids, train.pixels, SHAPE);
    const direct = b.runGroups(stackImages(ids, train.pixels, SHAPE), 0, 2, { training: false });
    expect(cached.shape).toEqual(direct.shape);
    expect(cached.shape.slice(1, 3)).toEqual([3, 5]); // stem conv and max pool, stride 2 each
    expect(cached.dataSync()).toEqual(direct.dataSync());
    expect(existsSync(join(dir, 'test-tiny-resnet-12x20px-g2', `${ids[0]}.f32`))).toBe(true);
    // A second cache on the folder reads them back without computing.
    const again = new FeatureCache(b, dir);
    const read = await again.batch({ group: 2, op: 0 }, ids, train.pixels, SHAPE);
    expect(again.computed).toBe(0);
    expect(read.dataSync()).toEqual(direct.dataSync());
    tf.dispose([cached, direct, read]);
    b.dispose();
  });

  it('a batch of mixed sizes is refused with the image id, not stacked into garbage', () => {
    const odd = new Float32Array(16 * 16 * 3);
    expect(() => stackImages([1, 2], (id) => (id === 1 ? train.pixels(train.ids[0]) : odd), SHAPE)).toThrow(
      'Image 2 has 768 pixel values but 12×20×3 needs 720: the images of a batch must share one size.',
    );
  });

  it.each([
    ['linear', null, 20],
    ['full', {}, 4],
  ] as const)('a ResNet learns 12×20 images (%s, augmentation %s, %i epochs)', async (strategy, augment, epochs) => {
    const backbone = createBackbone('test-tiny-resnet', { numClasses: 3, imageSize: 16, seed: 1 });
    const t = new FineTuner(backbone, createStrategy(strategy, backbone), baseConfig({ epochs, augment }), train, val);
    const before = (await t.validate()).accuracy;
    const rows = await t.fit();
    expect(before).toBeLessThan(0.85);
    expect(rows[rows.length - 1].valAccuracy).toBeGreaterThanOrEqual(0.85);
    t.dispose();
    backbone.dispose();
  }, 60_000);

  it('a ViT refuses 12×20 images with a message naming the square size', async () => {
    const backbone = createBackbone('test-tiny-vit', { numClasses: 3, imageSize: 16, seed: 1 });
    const t = new FineTuner(backbone, createStrategy('lora', backbone), baseConfig({ epochs: 1 }), train, val);
    await expect(t.fit()).rejects.toThrow(
      'test-tiny-vit takes square images only: its position embeddings are a 2×2 grid of 8 px patches, so it needs 16×16 px ([N, 16, 16, 3]), got 12×20.',
    );
    t.dispose();
    backbone.dispose();
  });
});
