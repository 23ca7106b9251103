import * as tf from '@tensorflow/tfjs';
import { Rng } from '../rng.ts';

let variableCounter = 0;

/** Building blocks shared by the tiny test backbones; kept out of production code on purpose. */
export class VarStore {
  readonly vars = new Map<string, tf.Variable>();
  readonly buffers = new Set<string>();
  private readonly rng: Rng;

  constructor(seed: number) {
    this.rng = new Rng(seed);
  }

  normal(name: string, shape: number[], std: number): tf.Variable {
    const n = shape.reduce((a, b) => a * b, 1);
    return this.add(name, tf.tensor(this.rng.normalArray(n, std), shape));
  }

  fill(name: string, shape: number[], value: number, buffer = false): tf.Variable {
    if (buffer) this.buffers.add(name);
    return this.add(name, tf.fill(shape, value));
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`no variable ${name}`);
    return v;
  }

  private add(name: string, t: tf.Tensor): tf.Variable {
    const v = tf.variable(t, !this.buffers.has(name), `${name}#${++variableCounter}`);
    t.dispose();
    this.vars.set(name, v);
    return v;
  }
}

/** BatchNorm: batch statistics and a running-stat update (momentum 0.1, as torch) only when training. */
export function batchNorm(vs: VarStore, prefix: string, x: tf.Tensor4D, training: boolean): tf.Tensor4D {
  const gamma = vs.get(`${prefix}.weight`);
  const beta = vs.get(`${prefix}.bias`);
  const mean = vs.get(`${prefix}.running_mean`);
  const variance = vs.get(`${prefix}.running_var`);
  if (!training) return tf.batchNorm4d(x, mean as tf.Tensor1D, variance as tf.Tensor1D, beta as tf.Tensor1D, gamma as tf.Tensor1D, 1e-5);
  const m = tf.moments(x, [0, 1, 2]);
  const stats = tf.tidy(() => [
    tf.add(tf.mul(mean, 0.9), tf.mul(m.mean, 0.1)),
    tf.add(tf.mul(variance, 0.9), tf.mul(m.variance, 0.1)),
  ]);
  mean.assign(stats[0]);
  variance.assign(stats[1]);
  stats.forEach((t) => t.dispose());
  return tf.batchNorm4d(x, m.mean as tf.Tensor1D, m.variance as tf.Tensor1D, beta as tf.Tensor1D, gamma as tf.Tensor1D, 1e-5);
}

export function addBatchNorm(vs: VarStore, prefix: string, c: number): void {
  vs.fill(`${prefix}.weight`, [c], 1);
  vs.fill(`${prefix}.bias`, [c], 0);
  vs.fill(`${prefix}.running_mean`, [c], 0, true);
  vs.fill(`${prefix}.running_var`, [c], 1, true);
}

export function layerNorm(vs: VarStore, prefix: string, x: tf.Tensor): tf.Tensor {
  const m = tf.moments(x, -1, true);
  const norm = tf.div(tf.sub(x, m.mean), tf.sqrt(tf.add(m.variance, 1e-6)));
  return tf.add(tf.mul(norm, vs.get(`${prefix}.weight`)), vs.get(`${prefix}.bias`));
}

/** Dense over the last axis of any rank. Weights are [in, out] (TF.js layout). */
export function dense(vs: VarStore, prefix: string, x: tf.Tensor): tf.Tensor {
  const w = vs.get(`${prefix}.weight`);
  const shape = x.shape;
  const flat = tf.reshape(x, [-1, shape[shape.length - 1]]) as tf.Tensor2D;
  const y = tf.add(tf.matMul(flat, w as tf.Tensor2D), vs.get(`${prefix}.bias`));
  return tf.reshape(y, [...shape.slice(0, -1), w.shape[1]!]);
}

export function addDense(vs: VarStore, prefix: string, nIn: number, nOut: number): void {
  vs.normal(`${prefix}.weight`, [nIn, nOut], Math.sqrt(2 / nIn));
  vs.fill(`${prefix}.bias`, [nOut], 0);
}

export function addLayerNorm(vs: VarStore, prefix: string, c: number): void {
  vs.fill(`${prefix}.weight`, [c], 1);
  vs.fill(`${prefix}.bias`, [c], 0);
}

/** timm's rule: norms, biases, position embeddings and tokens get no weight decay. */
export function noWeightDecayName(name: string): boolean {
  return /(^|\.)(bias|pos_embed|cls_token)$/.test(name) || /(^|\.)(bn\d*|norm\d*)\.weight$/.test(name);
}
