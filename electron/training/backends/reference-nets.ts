import * as tf from '@tensorflow/tfjs';

/**
 * ResNet- and ViT-shaped networks written with raw tf ops, so that the backend kernel tests and the
 * backend benchmark exercise every kernel a real training step needs without depending on the
 * backbones package. Weights come from a seeded JS generator: the same net can be rebuilt on each
 * backend with bit-identical starting values, which is what the parity tests compare.
 */

export interface ReferenceNet {
  /** Trainable parameters by name. */
  params: Map<string, tf.Variable>;
  /** Image batch [N, H, W, 3] -> logits [N, classes]. */
  forward(x: tf.Tensor4D): tf.Tensor2D;
  dispose(): void;
}

/** Deterministic uniform numbers in [-1, 1) (mulberry32): identical on every backend and run. */
export function seededValues(seed: number, count: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** A seeded tensor scaled by `scale` (He-style scales keep activations finite in deep nets). */
export function seededTensor(seed: number, shape: number[], scale = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = seededValues(seed, n);
  for (let i = 0; i < n; i++) v[i] *= scale;
  return tf.tensor(v, shape, 'float32');
}

class ParamBuilder {
  readonly params = new Map<string, tf.Variable>();
  private seed: number;

  constructor(seed: number) {
    this.seed = seed;
  }

  add(name: string, shape: number[], scale: number, offset = 0): tf.Variable {
    const init = seededTensor(this.seed++, shape, scale);
    const v = tf.variable(offset === 0 ? init : tf.add(init, offset), true, `${name}_${this.seed}_${Math.random()}`);
    init.dispose();
    this.params.set(name, v);
    return v;
  }

  conv(name: string, k: number, cin: number, cout: number): tf.Variable {
    return this.add(name, [k, k, cin, cout], Math.sqrt(6 / (k * k * cin)));
  }

  norm(name: string, dim: number): void {
    this.add(`${name}.weight`, [dim], 0.1, 1);
    this.add(`${name}.bias`, [dim], 0.1);
  }
}

/** BatchNorm in training mode, written as ops (mean, variance, rsqrt) as a custom loop does it. */
function batchNormOps(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor4D {
  const mean = tf.mean(x, [0, 1, 2], true);
  // Not tf.squaredDifference: its gradient ignores broadcasting in TF.js 4.22 (wrong shape for `mean`).
  const variance = tf.mean(tf.square(tf.sub(x, mean)), [0, 1, 2], true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), gamma), beta);
}

/** BatchNorm through tf.moments + the fused kernel, the other way a backbone may write it. */
function batchNormFused(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.batchNorm4d(x, mean as tf.Tensor1D, variance as tf.Tensor1D, beta, gamma, 1e-5);
}

export interface ResNetShape {
  /** Channels of each stage, e.g. [64, 128, 256, 512] for ResNet-18. */
  widths: number[];
  /** Basic blocks per stage, e.g. [2, 2, 2, 2]. */
  blocks: number[];
  stemKernel: number;
  numClasses: number;
  seed?: number;
}

export const RESNET18_SHAPE: ResNetShape = { widths: [64, 128, 256, 512], blocks: [2, 2, 2, 2], stemKernel: 7, numClasses: 10 };

/**
 * A ResNet with basic blocks: strided conv stem with explicit padding, max pool 3x3/s2 with explicit
 * padding, strided 3x3 convs, 1x1/s2 downsample, BN both as ops and fused, ReLU, an average pool,
 * global mean and a linear head.
 */
export function buildResNet(shape: ResNetShape): ReferenceNet {
  const b = new ParamBuilder(shape.seed ?? 1);
  const half = Math.floor(shape.stemKernel / 2);
  const layout = resnetParams(b, shape);
  const p = (n: string) => b.params.get(n)!;
  const forward = (x: tf.Tensor4D): tf.Tensor2D => {
    let h = tf.conv2d(x, p('stem.conv') as tf.Tensor4D, 2, [[0, 0], [half, half], [half, half], [0, 0]]);
    h = tf.relu(batchNormOps(h, p('stem.bn.weight'), p('stem.bn.bias')));
    h = tf.maxPool(h, 3, 2, [[0, 0], [1, 1], [1, 1], [0, 0]]);
    for (const blk of layout) h = basicBlock(h, blk.name, blk.stride, p);
    h = tf.avgPool(h, 2, 1, 'same');
    const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
    return tf.add(tf.matMul(pooled, p('fc.weight') as tf.Tensor2D), p('fc.bias'));
  };
  return { params: b.params, forward, dispose: () => b.params.forEach((v) => v.dispose()) };
}

/** Creates the ResNet's parameters; returns its blocks in order. */
function resnetParams(b: ParamBuilder, shape: ResNetShape): { name: string; stride: number }[] {
  const w0 = shape.widths[0];
  b.conv('stem.conv', shape.stemKernel, 3, w0);
  b.norm('stem.bn', w0);
  let cin = w0;
  const layout: { name: string; stride: number }[] = [];
  shape.widths.forEach((cout, s) => {
    for (let i = 0; i < shape.blocks[s]; i++) {
      const name = `layer${s + 1}.${i}`;
      const stride = i === 0 && s > 0 ? 2 : 1;
      b.conv(`${name}.conv1`, 3, cin, cout);
      b.norm(`${name}.bn1`, cout);
      b.conv(`${name}.conv2`, 3, cout, cout);
      b.norm(`${name}.bn2`, cout);
      if (stride !== 1 || cin !== cout) b.conv(`${name}.down`, 1, cin, cout);
      layout.push({ name, stride });
      cin = cout;
    }
  });
  b.add('fc.weight', [cin, shape.numClasses], Math.sqrt(1 / cin));
  b.add('fc.bias', [shape.numClasses], 0.01);
  return layout;
}

function basicBlock(x: tf.Tensor4D, name: string, stride: number, p: (n: string) => tf.Variable): tf.Tensor4D {
  const conv1 = tf.conv2d(x, p(`${name}.conv1`) as tf.Tensor4D, stride, [[0, 0], [1, 1], [1, 1], [0, 0]]);
  let h = tf.relu(batchNormOps(conv1, p(`${name}.bn1.weight`), p(`${name}.bn1.bias`)));
  h = tf.conv2d(h, p(`${name}.conv2`) as tf.Tensor4D, 1, 'same');
  h = batchNormFused(h, p(`${name}.bn2.weight`) as tf.Tensor1D, p(`${name}.bn2.bias`) as tf.Tensor1D);
  const skip = p(`${name}.down`) ? tf.conv2d(x, p(`${name}.down`) as tf.Tensor4D, stride, 'valid') : x;
  return tf.relu(tf.add(h, skip));
}

export interface ViTShape {
  imageSize: number;
  patch: number;
  dim: number;
  depth: number;
  heads: number;
  numClasses: number;
  seed?: number;
}

/**
 * A ViT: patch embedding as a strided conv, class token (concat), position embedding, pre-norm
 * blocks with layer norm as ops, multi-head attention as batched matMul + softmax, erf GELU MLP,
 * class token taken with gather and mean pooling of the rest with slice.
 */
export function buildViT(shape: ViTShape): ReferenceNet {
  const b = new ParamBuilder(shape.seed ?? 2);
  const { dim, patch } = shape;
  const tokens = (shape.imageSize / patch) ** 2 + 1;
  b.conv('patch.weight', patch, 3, dim);
  b.add('cls', [1, 1, dim], 0.02);
  b.add('pos', [1, tokens, dim], 0.02);
  for (let i = 0; i < shape.depth; i++) {
    b.norm(`blocks.${i}.norm1`, dim);
    b.add(`blocks.${i}.qkv`, [dim, 3 * dim], Math.sqrt(3 / dim));
    b.add(`blocks.${i}.proj`, [dim, dim], Math.sqrt(3 / dim));
    b.norm(`blocks.${i}.norm2`, dim);
    b.add(`blocks.${i}.fc1`, [dim, 2 * dim], Math.sqrt(3 / dim));
    b.add(`blocks.${i}.fc2`, [2 * dim, dim], Math.sqrt(3 / (2 * dim)));
  }
  b.norm('norm', dim);
  b.add('head', [2 * dim, shape.numClasses], Math.sqrt(1 / dim));
  const p = (n: string) => b.params.get(n)!;
  const forward = (x: tf.Tensor4D): tf.Tensor2D => {
    const n = x.shape[0];
    const patches = tf.conv2d(x, p('patch.weight') as tf.Tensor4D, patch, 'valid');
    const seq = tf.reshape(patches, [n, tokens - 1, dim]);
    let h: tf.Tensor = tf.add(tf.concat([tf.tile(p('cls'), [n, 1, 1]), seq], 1), p('pos'));
    for (let i = 0; i < shape.depth; i++) h = vitBlock(h, `blocks.${i}`, shape.heads, p);
    h = layerNormOps(h, p('norm.weight'), p('norm.bias'));
    const cls = tf.reshape(tf.gather(h, [0], 1), [n, dim]);
    const rest = tf.mean(tf.slice(h, [0, 1, 0], [n, tokens - 1, dim]), 1);
    return tf.matMul(tf.concat([cls, rest], 1) as tf.Tensor2D, p('head') as tf.Tensor2D);
  };
  return { params: b.params, forward, dispose: () => b.params.forEach((v) => v.dispose()) };
}

function layerNormOps(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const mean = tf.mean(x, -1, true);
  const variance = tf.mean(tf.square(tf.sub(x, mean)), -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-6))), gamma), beta);
}

function dense(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
  const [n, t, d] = x.shape;
  return tf.reshape(tf.matMul(tf.reshape(x, [n * t, d]) as tf.Tensor2D, w as tf.Tensor2D), [n, t, w.shape[1]!]);
}

function vitBlock(x: tf.Tensor, name: string, heads: number, p: (n: string) => tf.Variable): tf.Tensor {
  const [n, t, d] = x.shape;
  const hd = d / heads;
  const qkv = dense(layerNormOps(x, p(`${name}.norm1.weight`), p(`${name}.norm1.bias`)), p(`${name}.qkv`));
  const split = tf.transpose(tf.reshape(qkv, [n, t, 3, heads, hd]), [2, 0, 3, 1, 4]);
  const [q, k, v] = tf.unstack(split).map((s) => tf.reshape(s, [n * heads, t, hd]) as tf.Tensor3D);
  const attn = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hd)));
  const mixed = tf.transpose(tf.reshape(tf.matMul(attn, v), [n, heads, t, hd]), [0, 2, 1, 3]);
  const h = tf.add(x, dense(tf.reshape(mixed, [n, t, d]), p(`${name}.proj`)));
  const m = dense(layerNormOps(h, p(`${name}.norm2.weight`), p(`${name}.norm2.bias`)), p(`${name}.fc1`));
  const gelu = tf.mul(tf.mul(m, 0.5), tf.add(tf.erf(tf.mul(m, Math.SQRT1_2)), 1));
  return tf.add(h, dense(gelu, p(`${name}.fc2`)));
}

/** Softmax cross-entropy of logits against integer labels, averaged over the batch. */
export function crossEntropy(logits: tf.Tensor2D, labels: number[]): tf.Scalar {
  const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), logits.shape[1]);
  return tf.losses.softmaxCrossEntropy(onehot, logits) as tf.Scalar;
}

/** One training step's loss and gradients (not applied), inside tf.tidy. */
export function trainingGradients(net: ReferenceNet, x: tf.Tensor4D, labels: number[]): { loss: tf.Scalar; grads: Record<string, tf.Tensor> } {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => crossEntropy(net.forward(x), labels), [...net.params.values()]);
    const byName: Record<string, tf.Tensor> = {};
    for (const [name, v] of net.params) byName[name] = grads[v.name];
    return { loss: value, grads: byName };
  });
}
