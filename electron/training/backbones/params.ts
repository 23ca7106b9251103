import * as tf from '@tensorflow/tfjs';
import { LayoutBuilder, type ParamSpec } from './layout.ts';
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

  /** A BatchNorm2d as the layouts declare it (weight 1, bias 0, running mean 0, running var 1). */
  addBatchNorm(name: string, channels: number): void {
    const layout = new LayoutBuilder();
    layout.batchNorm(name, channels);
    for (const [n, spec] of layout.params) this.addSpec(n, spec);
  }

  batchNorm(name: string): BatchNormParams {
    return {
      weight: this.get(`${name}.weight`),
      bias: this.get(`${name}.bias`),
      runningMean: this.get(`${name}.running_mean`),
      runningVar: this.get(`${name}.running_var`),
    };
  }

  /** Allocate `spec` under `name`, drawing its random init from this store's generator. */
  addSpec(name: string, spec: ParamSpec): tf.Variable {
    return this.add(name, this.initial(spec), !spec.buffer);
  }

  private initial({ shape, init }: ParamSpec): tf.Tensor {
    if (init === 'zeros') return tf.zeros([...shape]);
    if (init === 'ones') return tf.ones([...shape]);
    if ('normal' in init) return this.rng.normal([...shape], init.normal);
    return this.rng.uniform([...shape], -init.uniform, init.uniform);
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
