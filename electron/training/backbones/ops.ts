import * as tf from '@tensorflow/tfjs';

/**
 * The few layers both families are made of, written as plain functions over tf.Variables so that
 * the training loop decides BatchNorm modes and hooks, and gradients flow through ordinary tf ops.
 * Everything is NHWC / [in, out] (TF.js layouts); padding follows PyTorch (symmetric, explicit).
 */

/** A PyTorch-layout NCHW batch → the NHWC tensor our models take. */
export function nchwToNhwc(data: Float32Array, shape: readonly number[]): tf.Tensor4D {
  if (shape.length !== 4) throw new Error(`expected a 4-d NCHW array, got shape [${shape.join(', ')}]`);
  return tf.tidy(() => tf.transpose(tf.tensor4d(data, shape as [number, number, number, number]), [0, 2, 3, 1]));
}

/** PyTorch Conv2d: symmetric zero padding `pad` on each side (TF's 'same' pads unevenly at stride 2). */
export function conv2d(x: tf.Tensor4D, weight: tf.Tensor, stride: number, pad: number, bias?: tf.Tensor): tf.Tensor4D {
  const y = tf.conv2d(x, weight as tf.Tensor4D, stride, pad === 0 ? 'valid' : pad);
  return bias ? tf.add(y, bias) : y;
}

/**
 * PyTorch MaxPool2d with padding. Padded cells must never win: the caller guarantees x >= 0
 * (it follows a ReLU), so zero padding is the same as PyTorch's -inf padding on every backend.
 */
export function maxPoolAfterRelu(x: tf.Tensor4D, size: number, stride: number, pad: number): tf.Tensor4D {
  const padded = pad === 0 ? x : tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]]);
  return tf.maxPool(padded, size, stride, 'valid');
}

/** y = x W + b over the last axis of a tensor of any rank (W is [in, out]). */
export function linear(x: tf.Tensor, weight: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  const inDim = x.shape[x.shape.length - 1];
  const outDim = weight.shape[1] as number;
  const flat = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, inDim]) as tf.Tensor2D;
  let y: tf.Tensor = tf.matMul(flat, weight as tf.Tensor2D);
  if (bias) y = tf.add(y, bias);
  return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), outDim]);
}

/** LayerNorm over the last axis (timm's ViT uses eps 1e-6). */
export function layerNorm(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
  return tf.add(tf.mul(normed, weight), bias);
}

/** The exact GELU (erf form) that timm's ViTs use, not the tanh approximation. */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
}

export interface BatchNormParams {
  weight: tf.Variable;
  bias: tf.Variable;
  runningMean: tf.Variable;
  runningVar: tf.Variable;
}

/** PyTorch's defaults for BatchNorm2d. */
export const BN_EPS = 1e-5;
export const BN_MOMENTUM = 0.1;

/**
 * BatchNorm2d over NHWC. Eval mode normalises with the running statistics. Training mode
 * normalises with the batch's (biased) statistics and moves the running statistics towards the
 * batch's, with the unbiased variance, exactly as PyTorch does.
 */
export function batchNorm(x: tf.Tensor4D, p: BatchNormParams, training: boolean): tf.Tensor4D {
  const [gamma, beta] = [p.weight as tf.Tensor1D, p.bias as tf.Tensor1D];
  if (!training) return tf.batchNorm4d(x, p.runningMean as tf.Tensor1D, p.runningVar as tf.Tensor1D, beta, gamma, BN_EPS);
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  updateRunningStats(p, mean, variance, x.size / x.shape[3]);
  return tf.batchNorm4d(x, mean as tf.Tensor1D, variance as tf.Tensor1D, beta, gamma, BN_EPS);
}

/**
 * Conv (no bias) → BatchNorm → optional ReLU, the unit ResNets are made of. (Folding eval-mode BN
 * into one fused conv was measured: no gain on wasm, where the convolutions dominate.)
 */
export function convBn(x: tf.Tensor4D, weight: tf.Tensor, bn: BatchNormParams, stride: number, pad: number, training: boolean, relu: boolean): tf.Tensor4D {
  const y = batchNorm(conv2d(x, weight, stride, pad), bn, training);
  return relu ? tf.relu(y) : y;
}

function updateRunningStats(p: BatchNormParams, mean: tf.Tensor, variance: tf.Tensor, count: number): void {
  if (count < 2) return; // PyTorch refuses one value per channel; a running variance of NaN would poison eval
  const unbiased = tf.mul(variance, count / (count - 1));
  const m = BN_MOMENTUM;
  p.runningMean.assign(tf.add(tf.mul(p.runningMean, 1 - m), tf.mul(mean, m)));
  p.runningVar.assign(tf.add(tf.mul(p.runningVar, 1 - m), tf.mul(unbiased, m)));
}
