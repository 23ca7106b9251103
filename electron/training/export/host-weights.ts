import { BN_EPS } from '../backbones/ops.ts';
import type { Backbone } from '../backbones/types.ts';

/** Host copies of a backbone's variables (TF.js layouts), read once per export. */
export type HostWeights = Map<string, { shape: number[]; data: Float32Array }>;

export function hostWeights(model: Backbone): HostWeights {
  const out: HostWeights = new Map();
  for (const [name, v] of model.variables) out.set(name, { shape: [...v.shape], data: v.dataSync() as Float32Array });
  return out;
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

