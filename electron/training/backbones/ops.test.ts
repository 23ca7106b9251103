import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchNorm, conv2d, gelu, layerNorm, maxPoolAfterRelu } from './ops.ts';
import { ParamStore } from './params.ts';
import { useTestBackend } from './testing.ts';

beforeAll(useTestBackend);

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThan(tol);
}

/** A BatchNorm over 2 channels with non-trivial parameters; x is [2, 1, 2, 2] NHWC = 4 values per channel. */
function tinyBn() {
  const store = new ParamStore();
  store.addBatchNorm('bn', 2);
  store.get('bn.weight').assign(tf.tensor1d([2, 0.5]));
  store.get('bn.bias').assign(tf.tensor1d([1, -1]));
  store.get('bn.running_mean').assign(tf.tensor1d([0.5, -2]));
  store.get('bn.running_var').assign(tf.tensor1d([4, 0.25]));
  const values = [1, 10, 2, 20, 3, 30, 6, 60]; // channel 0: 1,2,3,6  channel 1: 10,20,30,60
  const x = tf.tensor4d(values, [2, 1, 2, 2]);
  return { store, x, p: store.batchNorm('bn') };
}

describe('batchNorm', () => {
  it('eval mode normalises with the running statistics and leaves them alone', () => {
    const { store, x, p } = tinyBn();
    const y = batchNorm(x, p, false).dataSync();
    const expected = [1, 10, 2, 20, 3, 30, 6, 60].map((v, i) => {
      const c = i % 2;
      const [m, vr, g, b] = c === 0 ? [0.5, 4, 2, 1] : [-2, 0.25, 0.5, -1];
      return ((v - m) / Math.sqrt(vr + 1e-5)) * g + b;
    });
    close(y, expected, 1e-4);
    close(p.runningMean.dataSync(), [0.5, -2]);
    close(p.runningVar.dataSync(), [4, 0.25]);
    store.dispose();
  });

  it('training mode uses batch statistics and moves the running ones by momentum 0.1 (unbiased variance)', () => {
    const { store, x, p } = tinyBn();
    const y = batchNorm(x, p, true).dataSync();
    // channel 0: mean 3, biased var (4+1+0+9)/4 = 3.5, unbiased 14/3; channel 1 is 10x: mean 30, var 350, unbiased 1400/3
    const stats = [
      { mean: 3, varB: 3.5, varU: 14 / 3, g: 2, b: 1 },
      { mean: 30, varB: 350, varU: 1400 / 3, g: 0.5, b: -1 },
    ];
    const expected = [1, 10, 2, 20, 3, 30, 6, 60].map((v, i) => {
      const s = stats[i % 2];
      return ((v - s.mean) / Math.sqrt(s.varB + 1e-5)) * s.g + s.b;
    });
    close(y, expected, 1e-4);
    close(p.runningMean.dataSync(), [0.9 * 0.5 + 0.1 * 3, 0.9 * -2 + 0.1 * 30], 1e-4);
    close(p.runningVar.dataSync(), [0.9 * 4 + 0.1 * (14 / 3), 0.9 * 0.25 + 0.1 * (1400 / 3)], 1e-3);
    store.dispose();
  });
});

describe('PyTorch padding semantics', () => {
  it('conv 7x7/s2 pads 3 on every side (TF "same" would pad 2 before, 3 after)', () => {
    const x = tf.ones([1, 8, 8, 1]) as tf.Tensor4D;
    const y = conv2d(x, tf.ones([7, 7, 1, 1]), 2, 3);
    expect(y.shape).toEqual([1, 4, 4, 1]);
    // output (i, j) sums the in-range part of rows/cols 2i-3..2i+3: 4, 6, 7, 5 cells along each axis
    const along = [4, 6, 7, 5];
    close(y.dataSync(), along.flatMap((r) => along.map((c) => r * c)));
  });

  it('maxpool 3x3/s2/p1 never lets a padded cell win and keeps PyTorch output size', () => {
    const x = tf.tensor4d([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24], [1, 5, 5, 1]);
    const y = maxPoolAfterRelu(x, 3, 2, 1);
    expect(y.shape).toEqual([1, 3, 3, 1]);
    close(y.dataSync(), [6, 8, 9, 16, 18, 19, 21, 23, 24]);
  });
});

describe('transformer ops', () => {
  it('gelu is the exact erf form', () => {
    close(gelu(tf.tensor1d([-1, 0, 1, 2])).dataSync(), [-0.15865525393145707, 0, 0.8413447460685429, 1.9544997361036416], 1e-6);
  });

  it('layerNorm normalises the last axis with eps and the affine parameters', () => {
    const y = layerNorm(tf.tensor2d([[1, 2, 3, 4]]), tf.tensor1d([1, 2, 1, 1]), tf.tensor1d([0, 0, 0, 1]), 1e-6);
    const s = Math.sqrt(1.25 + 1e-6);
    close(y.dataSync(), [-1.5 / s, (2 * -0.5) / s, 0.5 / s, 1.5 / s + 1]);
  });
});
