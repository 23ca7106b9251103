import * as tf from '@tensorflow/tfjs';
import type { BatchNormParams } from './ops.ts';

let nextModelId = 0;

/**
 * The variables of one model, keyed by timm state-dict name. TF.js wants globally unique variable
 * names, so each model prefixes its own; the map keys stay the plain timm names.
 */
export class ParamStore {
  readonly variables = new Map<string, tf.Variable>();
  private readonly prefix = `backbone${nextModelId++}/`;
  readonly rng: Rng;

  constructor(seed?: number) {
    this.rng = new Rng(seed);
  }

  /** Take ownership of `init` as a new variable (buffers are not trainable). */
  add(name: string, init: tf.Tensor, trainable = true): tf.Variable {
    if (this.variables.has(name)) throw new Error(`Duplicate variable ${name}`);
    const v = tf.variable(init, trainable, this.prefix + name);
    init.dispose();
    this.variables.set(name, v);
    return v;
  }

  get(name: string): tf.Variable {
    const v = this.variables.get(name);
    if (!v) throw new Error(`Model has no variable ${name}`);
    return v;
  }

  /** Drop and dispose every variable whose name starts with `prefix` (a replaced classifier). */
  remove(prefix: string): void {
    for (const [name, v] of this.variables) {
      if (name.startsWith(prefix)) {
        v.dispose();
        this.variables.delete(name);
      }
    }
  }

  dispose(): void {
    for (const v of this.variables.values()) v.dispose();
    this.variables.clear();
  }

  /** A BatchNorm2d: weight 1, bias 0, running mean 0, running var 1 (PyTorch's init). */
  addBatchNorm(name: string, channels: number, zeroGamma = false): void {
    this.add(`${name}.weight`, zeroGamma ? tf.zeros([channels]) : tf.ones([channels]));
    this.add(`${name}.bias`, tf.zeros([channels]));
    this.add(`${name}.running_mean`, tf.zeros([channels]), false);
    this.add(`${name}.running_var`, tf.ones([channels]), false);
  }

  batchNorm(name: string): BatchNormParams {
    return {
      weight: this.get(`${name}.weight`),
      bias: this.get(`${name}.bias`),
      runningMean: this.get(`${name}.running_mean`),
      runningVar: this.get(`${name}.running_var`),
    };
  }

  /** A LayerNorm: weight 1, bias 0. */
  addLayerNorm(name: string, dim: number): void {
    this.add(`${name}.weight`, tf.ones([dim]));
    this.add(`${name}.bias`, tf.zeros([dim]));
  }

  /** PyTorch nn.Linear's default init, U(±1/sqrt(in)) for weight and bias: what timm's reset_classifier gives. */
  addTorchLinear(name: string, inDim: number, outDim: number): void {
    const bound = 1 / Math.sqrt(inDim);
    this.add(`${name}.weight`, this.rng.uniform([inDim, outDim], -bound, bound));
    this.add(`${name}.bias`, this.rng.uniform([outDim], -bound, bound));
  }

  /** Kaiming normal, fan_out, ReLU gain: timm's ResNet conv init. Layout [kh, kw, in, out]. */
  kaimingConv(kh: number, kw: number, inC: number, outC: number): tf.Tensor {
    return this.rng.normal([kh, kw, inC, outC], Math.sqrt(2 / (outC * kh * kw)));
  }

  /**
   * timm's trunc_normal_(std=0.02) cuts at ±2 absolute, i.e. at 100 std: in effect a plain normal
   * (TF's truncatedNormal would cut at 2 std, a different distribution).
   */
  truncNormal(shape: number[], std = 0.02): tf.Tensor {
    return this.rng.normal(shape, std);
  }
}

/**
 * A small seedable generator (xorshift32). TF.js's random ops draw each value through seedrandom,
 * which takes seconds for ViT-B's 86M weights; this is ~20x faster, quality is ample for an
 * initialisation, and a seed makes a run's fresh classifier reproducible.
 */
export class Rng {
  private s: number;

  constructor(seed?: number) {
    this.s = seed === undefined ? (Math.random() * 0xffffffff) >>> 0 || 1 : (Math.imul(seed | 0, 0x9e3779b1) >>> 0) || 1;
  }

  /** Uniform in (0, 1). */
  next(): number {
    let s = this.s;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    this.s = s >>> 0;
    return (this.s + 0.5) / 4294967296;
  }

  /** N(0, std²) samples (Box-Muller). */
  normal(shape: number[], std: number): tf.Tensor {
    const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < out.length; i += 2) {
      const r = Math.sqrt(-2 * Math.log(this.next())) * std;
      const theta = 2 * Math.PI * this.next();
      out[i] = r * Math.cos(theta);
      if (i + 1 < out.length) out[i + 1] = r * Math.sin(theta);
    }
    return tf.tensor(out, shape);
  }

  uniform(shape: number[], lo: number, hi: number): tf.Tensor {
    const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < out.length; i++) out[i] = lo + (hi - lo) * this.next();
    return tf.tensor(out, shape);
  }
}
