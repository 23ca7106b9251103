import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { classWeightsFromCounts, positiveWeightsFromCounts, sigmoidBinaryCrossEntropy, softmaxCrossEntropy } from './losses.ts';
import { UncertaintyWeighting, alphaAt } from './multitask.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const logits = () => tf.tensor2d([[2, 0, -1], [0, 1, 0]]);
const targets = () => tf.tensor2d([[1, 0, 0], [0, 0, 1]]);
const lse = (xs: number[]) => Math.log(xs.reduce((s, x) => s + Math.exp(x), 0));

describe('losses', () => {
  it('softmax cross-entropy matches the hand value, with class weights and smoothing', () => {
    const l0 = lse([2, 0, -1]) - 2;
    const l1 = lse([0, 1, 0]) - 0;
    expect(softmaxCrossEntropy(logits(), targets()).dataSync()[0]).toBeCloseTo((l0 + l1) / 2, 5);
    const weighted = softmaxCrossEntropy(logits(), targets(), { classWeights: [1, 1, 3] }).dataSync()[0];
    expect(weighted).toBeCloseTo((l0 + 3 * l1) / 4, 5);
    // ε = 0.3 over 3 classes: targets 0.8 / 0.1 / 0.1.
    const logp = [2, 0, -1].map((x) => x - lse([2, 0, -1]));
    const smooth0 = -(0.8 * logp[0] + 0.1 * logp[1] + 0.1 * logp[2]);
    const s = softmaxCrossEntropy(tf.tensor2d([[2, 0, -1]]), tf.tensor2d([[1, 0, 0]]), { labelSmoothing: 0.3 }).dataSync()[0];
    expect(s).toBeCloseTo(smooth0, 5);
  });

  it('sigmoid BCE matches the hand value, with positive weights', () => {
    const sp = (x: number) => Math.log1p(Math.exp(x));
    // Element loss: (1-y)·x + (1+(p-1)y)·softplus(-x).
    const plain = sigmoidBinaryCrossEntropy(tf.tensor2d([[1, -2]]), tf.tensor2d([[1, 0]])).dataSync()[0];
    expect(plain).toBeCloseTo((sp(-1) + (-2 + sp(2))) / 2, 5);
    const pw = sigmoidBinaryCrossEntropy(tf.tensor2d([[1, -2]]), tf.tensor2d([[1, 0]]), { classWeights: [4, 1] }).dataSync()[0];
    expect(pw).toBeCloseTo((4 * sp(-1) + (-2 + sp(2))) / 2, 5);
  });

  it('weights classes only when the train split is imbalanced', () => {
    expect(classWeightsFromCounts([50, 60, 55])).toBeNull();
    const w = classWeightsFromCounts([90, 10])!;
    expect(w[0]).toBeCloseTo(100 / (2 * 90), 12);
    expect(w[1]).toBeCloseTo(5, 12);
    expect(classWeightsFromCounts([30, 0, 10])).toEqual([40 / 60, 0, 2]);
    expect(positiveWeightsFromCounts([10, 50], 100)).toEqual([9, 1]);
    expect(positiveWeightsFromCounts([50, 45], 100)).toBeNull();
  });
});

describe('multi-task weighting', () => {
  it('gives α(t) per schedule at given epochs', () => {
    expect([0, 5, 10].map((e) => alphaAt('constant', 0.5, e, 11))).toEqual([0.5, 0.5, 0.5]);
    expect([0, 5, 10].map((e) => alphaAt('linear-decay', 0.5, e, 11))).toEqual([0.5, 0.25, 0]);
    const cos = [0, 5, 10].map((e) => alphaAt('cosine', 0.5, e, 11));
    expect(cos[0]).toBeCloseTo(0.5, 12);
    expect(cos[1]).toBeCloseTo(0.25, 12);
    expect(cos[2]).toBeCloseTo(0, 12);
  });

  it('uncertainty weighting computes Σ exp(-s)·L + s and learns to down-weight the noisy task', async () => {
    const u = new UncertaintyWeighting();
    u.logVars.assign(tf.tensor1d([0.5, -1]));
    const l = u.combine(tf.scalar(2), tf.scalar(3)).dataSync()[0];
    expect(l).toBeCloseTo(Math.exp(-0.5) * 2 + 0.5 + Math.exp(1) * 3 - 1, 5);
    expect(u.alpha()).toBe(1); // not read yet
    await u.refresh();
    expect(u.alpha()).toBeCloseTo(Math.exp(1.5), 5);
    // Gradient descent on s with a big auxiliary loss drives s_aux up, i.e. α down: optimum s = log L.
    u.logVars.assign(tf.zeros([2]));
    const opt = tf.train.sgd(0.1);
    for (let i = 0; i < 300; i++) opt.minimize(() => u.combine(tf.scalar(1), tf.scalar(4)), false, [u.logVars]);
    const s = u.logVars.dataSync();
    expect(s[0]).toBeCloseTo(0, 2);
    expect(s[1]).toBeCloseTo(Math.log(4), 2);
    await u.refresh();
    expect(u.alpha()).toBeCloseTo(0.25, 2);
    u.dispose();
  });
});
