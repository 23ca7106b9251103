import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackbone } from '../registry.ts';
import { useTestBackend } from '../testing.ts';
import type { Backbone } from '../types.ts';

beforeAll(useTestBackend);

function values(model: Backbone, name: string): number[] {
  return Array.from(model.variables.get(name)!.dataSync());
}

describe('ResNet BatchNorm modes per group and the afterGroup hook', () => {
  let model: Backbone;
  let x: tf.Tensor4D;

  beforeAll(() => {
    model = createBackbone('resnet18', { numClasses: 2, imageSize: 32 });
    x = tf.randomNormal([4, 32, 32, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
  });
  afterAll(() => model.dispose());

  it('eval mode is deterministic and leaves every running statistic alone', () => {
    const before = values(model, 'layer4.0.bn1.running_mean');
    const a = model.forward(x).dataSync();
    const b = model.forward(x).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(values(model, 'layer4.0.bn1.running_mean')).toEqual(before);
  });

  it('training only in layer4 updates layer4 running stats, not the stem or layer1', () => {
    const stem = values(model, 'bn1.running_mean');
    const l1 = values(model, 'layer1.0.bn1.running_var');
    const l4mean = values(model, 'layer4.1.bn1.running_mean');
    const l4var = values(model, 'layer4.1.bn1.running_var');
    model.forward(x, { training: (g) => g === 'layer4' }).dispose();
    expect(values(model, 'bn1.running_mean')).toEqual(stem);
    expect(values(model, 'layer1.0.bn1.running_var')).toEqual(l1);
    const newMean = values(model, 'layer4.1.bn1.running_mean');
    const newVar = values(model, 'layer4.1.bn1.running_var');
    expect(newMean.some((v, i) => Math.abs(v - l4mean[i]) > 1e-6)).toBe(true);
    // momentum 0.1 from (0, 1): mean = 0.1 * batch mean, var = 0.9 + 0.1 * unbiased batch var > 0.9
    expect(newVar.every((v) => v > 0.9 - 1e-6)).toBe(true);
    expect(newVar.some((v, i) => Math.abs(v - l4var[i]) > 1e-6)).toBe(true);
  });

  it('training: true normalises with batch statistics, so outputs differ from eval', () => {
    const evalOut = model.forward(x);
    const trainOut = model.forward(x, { training: true });
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(evalOut, trainOut))).dataSync()[0]);
    expect(diff).toBeGreaterThan(1e-4);
    tf.dispose([evalOut, trainOut]);
  });

  it('gradients reach every stage through eval-mode and training-mode BatchNorm alike', () => {
    const trainable = [...model.variables.values()].filter((v) => v.trainable);
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.square(model.forward(x, { training: (g) => g === 'layer4' }))) as tf.Scalar,
      trainable,
    );
    const norm = (name: string) => tf.tidy(() => tf.norm(grads[model.variables.get(name)!.name]).dataSync()[0]);
    expect(Object.keys(grads)).toHaveLength(trainable.length);
    expect(norm('conv1.weight')).toBeGreaterThan(0); // through the eval-mode stem BN
    expect(norm('layer4.0.downsample.1.weight')).toBeGreaterThan(0); // a training-mode BN's affine parameters (bn1 of a block gets none at init: timm zeroes the last BN's gamma)
    expect(norm('fc.weight')).toBeGreaterThan(0);
    expect(Object.values(grads).every((g) => Array.from(g.dataSync()).every(Number.isFinite))).toBe(true);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('afterGroup sees each stage and can replace its output', () => {
    const seen: string[] = [];
    model.forward(x, { afterGroup: (g, t) => (seen.push(`${g}:${t.shape.join('x')}`), t) }).dispose();
    expect(seen).toEqual(['layer1:4x8x8x64', 'layer2:4x4x4x128', 'layer3:4x2x2x256', 'layer4:4x1x1x512']);
    // zeroing layer4's output leaves only the classifier bias as logits
    const logits = model.forward(x, { afterGroup: (g, t) => (g === 'layer4' ? tf.zerosLike(t) : t) });
    const bias = values(model, 'fc.bias');
    expect(Array.from(logits.dataSync())).toEqual([...bias, ...bias, ...bias, ...bias].map((v) => Math.fround(v)));
    logits.dispose();
  });
});

describe('ResNet-50 bottleneck layout (v1.5)', () => {
  it('puts the stride on the 3x3 conv and expands by 4', () => {
    const m = createBackbone('resnet50', { numClasses: 0, imageSize: 64 });
    const v = m.variables;
    expect(v.get('layer2.0.conv1.weight')!.shape).toEqual([1, 1, 256, 128]);
    expect(v.get('layer2.0.conv2.weight')!.shape).toEqual([3, 3, 128, 128]);
    expect(v.get('layer2.0.conv3.weight')!.shape).toEqual([1, 1, 128, 512]);
    expect(v.get('layer1.0.downsample.0.weight')!.shape).toEqual([1, 1, 64, 256]);
    expect(v.has('fc.weight')).toBe(false);
    const feats = m.forwardFeatures(tf.zeros([1, 64, 64, 3]) as tf.Tensor4D);
    expect(feats.shape).toEqual([1, 2, 2, 2048]);
    // numClasses 0: forwardHead is the pooled embedding, as timm's reset_classifier(0)
    expect(m.forwardHead(feats).shape).toEqual([1, 2048]);
    m.dispose();
  });
});
