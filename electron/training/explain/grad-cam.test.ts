import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backbone } from '../backbones/types.ts';
import { Rng } from '../finetune/rng.ts';
import { createBackbone } from '../backbones/registry.ts';
import { camSplit, gradCam, massIn, tokensToGrid } from './grad-cam.ts';

const SIZE = 64;
const SQUARE = 16;
const NOISE = 0.1;
const TOP_LEFT = { x0: 0, y0: 0, x1: 0.5, y1: 0.5 };

/** Noise images; class 1 carries a bright square somewhere inside the top-left quadrant, class 0 none. */
function squares(n: number, seed: number): { x: Float32Array; labels: number[] } {
  const rng = new Rng(seed);
  const x = new Float32Array(n * SIZE * SIZE * 3);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    labels.push(c);
    const base = i * SIZE * SIZE * 3;
    for (let p = 0; p < SIZE * SIZE * 3; p++) x[base + p] = rng.normal() * NOISE;
    if (c === 0) continue;
    const top = Math.floor(rng.uniform(0, SIZE / 2 - SQUARE + 1));
    const left = Math.floor(rng.uniform(0, SIZE / 2 - SQUARE + 1));
    for (let r = top; r < top + SQUARE; r++) for (let q = left; q < left + SQUARE; q++) for (let k = 0; k < 3; k++) x[base + (r * SIZE + q) * 3 + k] += 2;
  }
  return { x, labels };
}

/**
 * Train the head on the frozen random-init features (the 'linear' strategy): the pure-JS backend's
 * convolution gradients are far too slow for a unit test, and Grad-CAM only needs the class
 * evidence to be readable from the last stage's channels.
 */
function trainHead(net: Backbone, steps: number): void {
  const data = squares(128, 1);
  const split = camSplit(net);
  const pooled = tf.tidy(() => tf.mean(net.runGroups(tf.tensor4d(data.x, [128, SIZE, SIZE, 3]), 0, split), [1, 2], true));
  const ys = tf.oneHot(tf.tensor1d(data.labels, 'int32'), 2);
  const head = ['fc.weight', 'fc.bias'].map((n) => net.variables.get(n)!);
  const opt = tf.train.adam(0.05);
  for (let s = 0; s < steps; s++) {
    opt.minimize(() => tf.losses.softmaxCrossEntropy(ys, net.runGroups(pooled, split, net.groups.length)) as tf.Scalar, false, head);
  }
  tf.dispose([pooled, ys]);
  opt.dispose();
}

describe('Grad-CAM on a tiny ResNet (head trained) finding a square in the top-left quadrant', () => {
  let net: Backbone;
  const test = squares(40, 99);
  beforeAll(async () => {
    await tf.setBackend('cpu');
    net = createBackbone('test-tiny-resnet-os4', { numClasses: 2, imageSize: SIZE, seed: 3 });
    trainHead(net, 300);
  }, 120_000);
  afterAll(() => net.dispose());

  it('is accurate on held-out images, then puts most heatmap mass for class 1 in the top-left quadrant', async () => {
    const predicted = tf.tidy(() => net.forward(tf.tensor4d(test.x, [40, SIZE, SIZE, 3])).argMax(-1).dataSync());
    const accuracy = test.labels.filter((c, i) => predicted[i] === c).length / 40;
    expect(accuracy).toBeGreaterThanOrEqual(0.9);
    const per = SIZE * SIZE * 3;
    const masses: number[] = [];
    const before = tf.memory().numTensors;
    for (let i = 1; i < 40; i += 2) {
      const x = tf.tensor4d(test.x.subarray(i * per, (i + 1) * per), [1, SIZE, SIZE, 3]);
      const cam = await gradCam(net, x, 1);
      x.dispose();
      expect(cam.classIndex).toBe(1);
      expect([cam.grid.width, cam.grid.height]).toEqual([16, 16]); // output stride 4
      expect([cam.heatmap.width, cam.heatmap.height]).toEqual([SIZE, SIZE]);
      masses.push(massIn(cam.heatmap, TOP_LEFT));
    }
    expect(tf.memory().numTensors).toBe(before); // nothing leaks per explanation
    const mean = masses.reduce((a, b) => a + b, 0) / masses.length;
    console.log(`Grad-CAM: accuracy ${accuracy}, mean top-left heatmap mass for class 1 ${mean.toFixed(3)} (min ${Math.min(...masses).toFixed(3)}; uniform would be 0.25)`);
    expect(mean).toBeGreaterThan(0.5);
    expect(Math.min(...masses)).toBeGreaterThan(0.5); // every class-1 image, not only on average
  });

  it('defaults to the predicted class and keeps heatmaps in [0, 1]', async () => {
    const per = SIZE * SIZE * 3;
    const x = tf.tensor4d(test.x.subarray(0, per), [1, SIZE, SIZE, 3]);
    const cam = await gradCam(net, x);
    x.dispose();
    expect(cam.classIndex).toBe(cam.logits[1] > cam.logits[0] ? 1 : 0);
    expect(Math.min(...cam.heatmap.values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...cam.heatmap.values)).toBeLessThanOrEqual(1);
  });
});

describe('Grad-CAM on a tiny ViT', () => {
  it('cuts before the last block and maps its input tokens (class token dropped) to the patch grid', async () => {
    await tf.setBackend('cpu');
    const vit = createBackbone('test-tiny-vit', { numClasses: 3, imageSize: 32, seed: 1 }); // 8 px patches: a 4x4 grid
    try {
      expect(vit.groups.slice(camSplit(vit))).toEqual([vit.groups.at(-3), 'norm', 'head']);
      expect(vit.groups[camSplit(vit)]).toMatch(/^blocks\.\d+$/);
      const x = tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
      const tokens = vit.runGroups(x, 0, camSplit(vit));
      expect(tokens.shape).toEqual([1, 17, vit.featureDim]); // 16 patches + class token
      const grid = tokensToGrid(tokens);
      expect(grid.shape).toEqual([1, 4, 4, vit.featureDim]);
      // Patch (row 1, col 2) is token 1 + 1·4 + 2.
      const want = tokens.slice([0, 7, 0], [1, 1, -1]).dataSync();
      expect(Array.from(grid.slice([0, 1, 2, 0], [1, 1, 1, -1]).dataSync())).toEqual(Array.from(want));
      const cams = await Promise.all([0, 1, 2].map((k) => gradCam(vit, x, k)));
      for (const cam of cams) {
        expect([cam.grid.width, cam.grid.height, cam.grid.values.length]).toEqual([4, 4, 16]);
        expect([cam.heatmap.width, cam.heatmap.height]).toEqual([32, 32]);
        expect(Array.from(cam.logits)).toEqual(Array.from(vit.forward(x).dataSync()));
        // Min-max normalised, or all zero where no patch has positive evidence for the class.
        const max = Math.max(...cam.grid.values);
        expect(max === 0 || Math.abs(max - 1) < 1e-6).toBe(true);
        expect(Math.min(...cam.grid.values)).toBe(0);
      }
      expect(cams.some((c) => Math.max(...c.grid.values) > 0.999)).toBe(true);
      tf.dispose([x, tokens, grid]);
    } finally {
      vit.dispose();
    }
  });
});
