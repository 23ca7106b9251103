import { BN_EPS } from '../backbones/ops.ts';
import type { Backbone } from '../backbones/types.ts';

/** Host copies of a backbone's variables (TF.js layouts), read once per export. */
export type HostWeights = Map<string, { shape: number[]; data: Float32Array }>;

/** Weights read ahead by withHostWeights, for the duration of its callback. */
const preRead = new Map<Backbone, HostWeights>();

export function hostWeights(model: Backbone): HostWeights {
  const ready = preRead.get(model);
  if (ready) return ready;
  const out: HostWeights = new Map();
  for (const [name, v] of model.variables) out.set(name, { shape: [...v.shape], data: v.dataSync() as Float32Array });
  return out;
}

/**
 * Reads the model's weights asynchronously, then runs `fn`, inside which hostWeights(model) returns
 * them: the webgpu backend cannot read synchronously (dataSync needs an OffscreenCanvas in Node),
 * and the exporters that call hostWeights are synchronous.
 */
export async function withHostWeights<T>(model: Backbone, fn: () => Promise<T>): Promise<T> {
  const out: HostWeights = new Map();
  for (const [name, v] of model.variables) out.set(name, { shape: [...v.shape], data: (await v.data()) as Float32Array });
  preRead.set(model, out);
  try {
    return await fn();
  } finally {
    preRead.delete(model);
  }
}

/**
 * A convolution with its eval-mode BatchNorm folded in, still in TF.js layout [kh, kw, in, out]:
 * w' = w·γ/√(σ²+ε) per output channel, b' = β − μ·γ/√(σ²+ε).
 */
export function foldBatchNorm(w: HostWeights, conv: string, bn: string): { weight: { shape: number[]; data: Float32Array }; bias: Float32Array } {
  const kernel = w.get(`${conv}.weight`)!;
  const gamma = w.get(`${bn}.weight`)!.data;
  const beta = w.get(`${bn}.bias`)!.data;
  const mean = w.get(`${bn}.running_mean`)!.data;
  const variance = w.get(`${bn}.running_var`)!.data;
  const out = kernel.shape[3];
  const scale = new Float32Array(out);
  const bias = new Float32Array(out);
  for (let o = 0; o < out; o++) {
    scale[o] = gamma[o] / Math.sqrt(variance[o] + BN_EPS);
    bias[o] = beta[o] - mean[o] * scale[o];
  }
  const data = new Float32Array(kernel.data.length);
  for (let i = 0; i < data.length; i++) data[i] = kernel.data[i] * scale[i % out];
  return { weight: { shape: kernel.shape, data }, bias };
}

