import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKBONE_NAMES, BACKBONES, createBackbone } from './registry.ts';
import { useTestBackend } from './testing.ts';
import type { Backbone } from './types.ts';

beforeAll(useTestBackend);

/** timm's widths, written out so that a registry typo fails here. */
const FEATURE_DIM: Record<string, number> = {
  resnet18: 512,
  resnet34: 512,
  resnet50: 2048,
  vit_tiny_patch16_224: 192,
  vit_small_patch16_224: 384,
  vit_base_patch16_224: 768,
};

const SIZE = 32;
const CLASSES = 3;

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/**
 * The surface every registered backbone must offer (timm's test_models idea), on a random-init
 * model at 32 px (ViTs get a 2×2 patch grid) so that each model costs one or two small forwards.
 */
describe.each(BACKBONE_NAMES)('backbone contract: %s', (name) => {
  let model: Backbone;
  let x: tf.Tensor4D;
  let features: tf.Tensor;
  let logits: tf.Tensor2D;

  // One full forward here, one in the split test, one in the leak test: ViT-B on 2 cores is slow.
  beforeAll(() => {
    model = createBackbone(name, { numClasses: CLASSES, imageSize: SIZE });
    x = tf.randomNormal([2, SIZE, SIZE, 3], 0, 1, 'float32', 11) as tf.Tensor4D;
    features = model.forwardFeatures(x);
    logits = model.forwardHead(features);
  });
  afterAll(() => {
    tf.dispose([x, features, logits]);
    model.dispose();
  });

  it('has the registry family, timm feature dim, and output shapes', () => {
    expect(model.arch).toBe(name);
    expect(model.family).toBe(BACKBONES[name].family);
    expect(model.featureDim).toBe(FEATURE_DIM[name]);
    expect(logits.shape).toEqual([2, CLASSES]);
    const expected = model.family === 'resnet' ? [2, 1, 1, model.featureDim] : [2, 1 + (SIZE / 16) ** 2, model.featureDim];
    expect(features.shape).toEqual(expected);
    const pre = model.forwardHead(features, { preLogits: true });
    expect(pre.shape).toEqual([2, model.featureDim]);
    expect(Array.from(logits.dataSync()).every(Number.isFinite)).toBe(true);
  });

  it('groupOf puts every variable in exactly one known group, in order, none empty', () => {
    const counts = new Map(model.groups.map((g) => [g, 0]));
    for (const v of model.variables.keys()) {
      const g = model.groupOf(v);
      expect(counts.has(g), `${v} -> ${g}`).toBe(true);
      counts.set(g, counts.get(g)! + 1);
    }
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(model.variables.size);
    expect([...counts.entries()].filter(([, c]) => c === 0)).toEqual([]);
    expect(model.groups[0]).toBe('stem');
    expect(model.groups.at(-1)).toBe('head');
    expect(model.groupOf(model.family === 'resnet' ? 'fc.weight' : 'head.weight')).toBe('head');
    expect(() => model.groupOf('no.such.weight')).toThrow(/no variable/);
  });

  it('runGroups over [0, k) then [k, n) equals forwardHead(forwardFeatures)', () => {
    const n = model.groups.length;
    const k = Math.floor(n / 2);
    const prefix = model.runGroups(x, 0, k);
    const y = model.runGroups(prefix, k, n);
    expect(maxAbsDiff(y, logits)).toBe(0);
    const empty = model.runGroups(prefix, k, k);
    expect(maxAbsDiff(empty, prefix)).toBe(0);
    tf.dispose([prefix, y, empty]);
    expect(() => model.runGroups(x, 2, 1)).toThrow(/outside the \d+ groups/);
  });

  it('weight decay and buffer rules follow timm', () => {
    const names = [...model.variables.keys()];
    const buffers = names.filter((v) => model.isBuffer(v));
    expect(buffers.every((v) => /\.running_(mean|var)$/.test(v))).toBe(true);
    expect(buffers.every((v) => !model.variables.get(v)!.trainable)).toBe(true);
    expect(buffers.length).toBe(model.family === 'resnet' ? names.filter((v) => v.endsWith('.running_mean')).length * 2 : 0);
    for (const v of names) {
      const w = model.variables.get(v)!;
      expect(model.noWeightDecay(v), v).toBe(w.rank <= 1 || v === 'pos_embed' || v === 'cls_token');
    }
    const conv = model.family === 'resnet' ? 'layer1.0.conv1.weight' : 'blocks.0.attn.qkv.weight';
    expect(model.noWeightDecay(conv)).toBe(false);
  });

  it('uses timm names and TF.js layouts', () => {
    const v = model.variables;
    if (model.family === 'resnet') {
      expect(v.get('conv1.weight')!.shape).toEqual([7, 7, 3, 64]);
      expect(v.get('fc.weight')!.shape).toEqual([model.featureDim, CLASSES]);
      expect(v.has('layer2.0.downsample.0.weight')).toBe(true);
      expect(v.has('bn1.running_var')).toBe(true);
    } else {
      const d = model.featureDim;
      expect(v.get('patch_embed.proj.weight')!.shape).toEqual([16, 16, 3, d]);
      expect(v.get('blocks.0.attn.qkv.weight')!.shape).toEqual([d, 3 * d]);
      expect(v.get('cls_token')!.shape).toEqual([1, 1, d]);
      expect(v.get('head.weight')!.shape).toEqual([d, CLASSES]);
    }
  });

  it('does not leak tensors across forward calls', () => {
    const before = tf.memory().numTensors;
    model.forward(x).dispose();
    model.forwardHead(features, { preLogits: true }).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('resetClassifier(N) swaps only the head', () => {
    const snapshot = new Map([...model.variables].map(([k, v]) => [k, v]));
    const headName = model.family === 'resnet' ? 'fc' : 'head';
    const preBefore = model.forwardHead(features, { preLogits: true });
    model.resetClassifier(5);
    expect(model.numClasses).toBe(5);
    expect(model.variables.get(`${headName}.weight`)!.shape).toEqual([model.featureDim, 5]);
    expect(model.variables.get(`${headName}.bias`)!.shape).toEqual([5]);
    expect(model.variables.size).toBe(snapshot.size);
    for (const [k, v] of model.variables) if (!k.startsWith(`${headName}.`)) expect(v, k).toBe(snapshot.get(k));
    const y = model.forwardHead(features);
    expect(y.shape).toEqual([2, 5]);
    // the pre-logits embedding is untouched by a head reset
    const pre = model.forwardHead(features, { preLogits: true });
    expect(maxAbsDiff(pre, preBefore)).toBe(0);
    tf.dispose([y, pre, preBefore]);
    model.resetClassifier(CLASSES);
  });
});

describe('seeded initialisation', () => {
  it('the same seed gives the same weights, fresh heads included; another seed does not', () => {
    const [a, b, c] = [1, 1, 2].map((seed) => createBackbone('vit_tiny_patch16_224', { numClasses: 3, imageSize: 32, seed }));
    const same = (m: Backbone, n: Backbone, name: string) =>
      maxAbsDiff(m.variables.get(name)!, n.variables.get(name)!) === 0;
    expect(same(a, b, 'blocks.3.mlp.fc1.weight')).toBe(true);
    expect(same(a, b, 'head.weight')).toBe(true);
    expect(same(a, c, 'blocks.3.mlp.fc1.weight')).toBe(false);
    a.resetClassifier(4);
    b.resetClassifier(4);
    expect(same(a, b, 'head.weight')).toBe(true);
    // N(0, 0.02²) init: the sample std of 192*768 values is 0.02 to three places
    const std = tf.tidy(() => tf.moments(a.variables.get('blocks.0.mlp.fc1.weight')!).variance.sqrt().dataSync()[0]);
    expect(std).toBeCloseTo(0.02, 3);
    for (const m of [a, b, c]) m.dispose();
  });
});
