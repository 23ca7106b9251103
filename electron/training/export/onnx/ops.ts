import type { HostWeights } from '../host-weights.ts';
import type { OnnxGraph } from './graph.ts';

/** Building blocks the architectures' ONNX emitters share. */

/** y = x·W + b with W stored [in, out] (TF.js layout). */
export function gemm(g: OnnxGraph, x: string, w: HostWeights, prefix: string, output?: string): string {
  const weight = w.get(`${prefix}.weight`)!;
  const bias = w.get(`${prefix}.bias`)!;
  return g.node('Gemm', [x, g.weight(`${prefix}.weight`, weight.shape, weight.data), g.weight(`${prefix}.bias`, bias.shape, bias.data)], {}, output);
}

/** ReLU, or exact GELU (erf) written with Mul/Add, its constants named after `prefix`. */
export function activation(g: OnnxGraph, x: string, kind: 'relu' | 'gelu', prefix: string): string {
  if (kind === 'relu') return g.node('Relu', [x]);
  const erf = g.node('Erf', [g.node('Mul', [x, g.scalar(`${prefix}.rsqrt2`, Math.SQRT1_2)])]);
  return g.node('Mul', [g.node('Mul', [x, g.scalar(`${prefix}.half`, 0.5)]), g.node('Add', [erf, g.scalar(`${prefix}.one`, 1)])]);
}
