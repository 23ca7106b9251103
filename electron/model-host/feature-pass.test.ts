import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBackbone } from '../training/backbones/registry.ts';
import type { Backbone } from '../training/backbones/types.ts';
import { INPUT_CUT } from '../training/backbones/arch-graph.ts';
import { FineTuner } from '../training/finetune/loop.ts';
import { createStrategy } from '../training/finetune/strategies.ts';
import { baseConfig } from '../training/finetune/testing/config.ts';
import { syntheticData } from '../training/finetune/testing/synthetic.ts';
import { loadWeights } from '../training/weights/load-weights.ts';
import { SafetensorsFile } from '../weights/safetensors.ts';
import { type FeaturePassOptions, largestMagnitude, precomputeFeatures } from './feature-pass.ts';
import { convertToOnnx } from './onnx-conversion.ts';
import { maxAbsDiff } from './run-inference.ts';

const PRETRAINED = fileURLToPath(new URL('../../../shared/fixtures/pretrained/resnet18-fmnist0-4/model.safetensors', import.meta.url));
const quiet = { log: () => {}, gate: async () => {} };

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function tuner(backbone: Backbone, augment = false): FineTuner {
  const strategy = createStrategy('top', backbone, {});
  const size = backbone.imageSize;
  return new FineTuner(backbone, strategy, baseConfig({ numClasses: 3, epochs: 1, augment: augment ? { rotation: 10 } : null }), syntheticData(10, size, 3, 1), syntheticData(5, size, 3, 2, 100));
}

/** The cached entries against TF.js's frozen prefix on the same images. */
async function cachedVsTfjs(t: FineTuner, rowShape: number[]): Promise<{ diff: number; scale: number }> {
  const cut = t.frozenCut(0);
  const ids = [...t.train.ids, ...t.val.ids];
  const pixels = (id: number) => (id > 100 ? t.val : t.train).pixels(id);
  const cached = await t.cache.batch(cut, ids, pixels);
  expect(cached.shape.slice(1)).toEqual(rowShape);
  const images = tf.tensor4d(ids.flatMap((id) => Array.from(pixels(id))), [ids.length, t.backbone.imageSize, t.backbone.imageSize, 3]);
  const ref = tf.tidy(() => t.backbone.runBetween(images, INPUT_CUT, cut, { training: false }));
  images.dispose();
  expect(cached.shape).toEqual(ref.shape);
  const [a, b] = [await cached.data(), await ref.data()];
  tf.dispose([cached, ref]);
  return { diff: maxAbsDiff(a, b), scale: largestMagnitude(b) };
}

describe.each([
  // resnet18: inside layer4.1, before its last convolution (conv1's output beside the block's input: 1×1×(512 + 512) at 32 px);
  // vit_tiny: before blocks.11 (all of it trains), 5 tokens of 192.
  ['resnet18', 32, { group: 4, op: 1, body: 1 }, [1, 1, 1024]],
  ['vit_tiny_patch16_224', 32, { group: 12, op: 0 }, [5, 192]],
])('the frozen-feature pass of top on onnxruntime: %s', (arch, size, cut, row) => {
  it('fills the cache once with features equal to TF.js (1e-4 × their scale) at the cut, and training then computes none', async () => {
    const b = createBackbone(arch, { numClasses: 3, imageSize: size, seed: 5 });
    const t = tuner(b);
    expect(t.frozenCut(0)).toEqual(cut);
    const progress: number[] = [];
    const runtime = await precomputeFeatures(t, { ...quiet, onProgress: (done) => progress.push(done) });
    expect(runtime).toMatchObject({ runtime: 'onnxruntime', fallback: null, conversion: 'fresh' });
    expect(progress[progress.length - 1]).toBe(15);
    expect(t.cache.computed).toBe(15);
    const { diff, scale } = await cachedVsTfjs(t, row);
    expect(scale).toBeGreaterThan(0.1);
    expect(diff).toBeLessThan(1e-4 * Math.max(1, scale));
    await t.fit();
    expect(t.cache.computed).toBe(15); // every epoch read the onnxruntime features
    expect(await precomputeFeatures(t, { ...quiet, onProgress: () => {} })).toBeNull(); // nothing left to compute
    t.dispose();
    b.dispose();
  });
});

describe('the frozen-feature pass at 224 px', () => {
  it('runs on onnxruntime although the check images hold 100k feature values (too many to spread into Math.max)', async () => {
    const b = createBackbone('resnet18', { numClasses: 3, imageSize: 224, seed: 5 });
    // onnxruntime only fills the cache after its features matched TF.js's on the first 4 images; the values
    // are compared at 32 px above (TF.js's CPU backend at 224 px costs seconds per image).
    const t = new FineTuner(b, createStrategy('top', b, {}), baseConfig({ numClasses: 3, epochs: 1, augment: null }), syntheticData(4, 224, 3, 1), syntheticData(1, 224, 3, 2, 100));
    const lines: string[] = [];
    const runtime = await precomputeFeatures(t, { ...quiet, log: (l) => lines.push(l), onProgress: () => {} });
    expect(lines).toEqual([]);
    expect(runtime).toMatchObject({ runtime: 'onnxruntime', fallback: null });
    expect(t.cache.computed).toBe(5);
    t.dispose();
    b.dispose();
  }, 120_000);
});

describe('the frozen-feature pass: when it does not run', () => {
  it('falls back to TF.js (cache untouched) when the converted backbone disagrees, saying so', async () => {
    const b = createBackbone('resnet18', { numClasses: 3, imageSize: 32, seed: 5 });
    const wrong = createBackbone('resnet18', { numClasses: 3, imageSize: 32, seed: 6 });
    const t = tuner(b);
    const lines: string[] = [];
    const opts: FeaturePassOptions = { gate: async () => {}, onProgress: () => {}, log: (l) => lines.push(l), convert: () => convertToOnnx(wrong, null, 'wrong', t.frozenCut(0)) };
    // Random BatchNorm statistics differ between seeds only through the convolutions: scale one up so the graphs differ clearly.
    const w = wrong.variables.get('conv1.weight')!;
    w.assign(tf.mul(w, 3));
    const runtime = await precomputeFeatures(t, opts);
    expect(runtime).toMatchObject({ runtime: 'tfjs', threads: null });
    expect(runtime!.fallback).toMatch(/features differ from TF\.js's by up to/);
    expect(lines.join('\n')).toContain('fall back to TF.js');
    expect(t.cache.computed).toBe(0);
    expect(t.cache.missing(t.frozenCut(0), t.train.ids)).toEqual(t.train.ids);
    t.dispose();
    [b, wrong].forEach((x) => x.dispose());
  });

  it('does nothing with augmentation on (nothing is cached), or when LABELTUNE_INFERENCE=tfjs', async () => {
    const b = createBackbone('resnet18', { numClasses: 3, imageSize: 32, seed: 5 });
    expect(await precomputeFeatures(tuner(b, true), { ...quiet, onProgress: () => {} })).toBeNull();
    const t = tuner(b);
    expect(await precomputeFeatures(t, { ...quiet, onProgress: () => {}, env: { LABELTUNE_INFERENCE: 'tfjs' } })).toMatchObject({ runtime: 'tfjs', fallback: null });
    expect(t.cache.computed).toBe(0);
    b.dispose();
  });
});

describe.skipIf(!existsSync(PRETRAINED) && process.env.CI !== 'true')('the frozen-feature pass on the pretrained resnet18 fixture', () => {
  it('gives the features TF.js gives within 1e-4 × their scale', async () => {
    const b = createBackbone('resnet18', { numClasses: 5, imageSize: 32 });
    const f = await SafetensorsFile.open(PRETRAINED);
    await loadWeights(b, f, { strict: true });
    await f.close();
    b.resetClassifier(3);
    const t = tuner(b);
    expect(await precomputeFeatures(t, { ...quiet, onProgress: () => {} })).toMatchObject({ runtime: 'onnxruntime' });
    const { diff, scale } = await cachedVsTfjs(t, [1, 1, 1024]);
    expect(scale).toBeGreaterThan(0.1);
    expect(diff).toBeLessThan(1e-4 * Math.max(1, scale));
    t.dispose();
    b.dispose();
  });
});
