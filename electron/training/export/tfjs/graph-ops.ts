import type { AdapterWeights } from '../adapters.ts';
import type { HostWeights } from '../host-weights.ts';
import type { TfGraph } from './graph-def.ts';

/** Building blocks the architectures' GraphDef emitters share. */

export function param(g: TfGraph, w: HostWeights, name: string): string {
  const t = w.get(name)!;
  return g.weight(name, t.shape, t.data);
}

/** x·W + b over the last axis; x of rank 3 is flattened to 2-d and back (T and D are static). */
export function linear(g: TfGraph, w: HostWeights, x: string, prefix: string, tokens?: number): string {
  const weight = w.get(`${prefix}.weight`)!;
  const [inDim, outDim] = weight.shape;
  const flat = tokens === undefined ? x : g.op('Reshape', [x, g.int32([-1, inDim])]);
  const y = g.op('BiasAdd', [g.op('MatMul', [flat, param(g, w, `${prefix}.weight`)], { transpose_a: false, transpose_b: false }), param(g, w, `${prefix}.bias`)]);
  return tokens === undefined ? y : g.op('Reshape', [y, g.int32([-1, tokens, outDim])]);
}

export function layerNorm(g: TfGraph, w: HostWeights, x: string, prefix: string, eps: number): string {
  const axis = g.int32([2]);
  const centred = g.op('Sub', [x, g.op('Mean', [x, axis], { keep_dims: true })]);
  const variance = g.op('Mean', [g.op('Square', [centred]), axis], { keep_dims: true });
  const normed = g.op('Mul', [centred, g.op('Rsqrt', [g.op('AddV2', [variance, g.scalar(eps)])])]);
  return g.op('AddV2', [g.op('Mul', [normed, param(g, w, `${prefix}.weight`)]), param(g, w, `${prefix}.bias`)]);
}

/** Exact GELU: 0.5·x·(1 + erf(x/√2)). */
export function gelu(g: TfGraph, x: string): string {
  return g.op('Mul', [g.op('Mul', [x, g.scalar(0.5)]), g.op('AddV2', [g.op('Erf', [g.op('Mul', [x, g.scalar(Math.SQRT1_2)])]), g.scalar(1)])]);
}

/**
 * x + up(act(down(x))) over the last axis: tokens ([N, T, D], `tokens` given) or an NHWC map, where
 * an [in, out] matrix is exactly a 1×1 convolution kernel [1, 1, in, out].
 */
export function adapter(g: TfGraph, a: AdapterWeights, group: string, x: string, tokens?: number): string {
  const dense = (input: string, name: string) => {
    const prefix = `adapters.${group}.${name}`;
    if (tokens !== undefined) return linear(g, a.weights, input, prefix, tokens);
    const w = a.weights.get(`${prefix}.weight`)!;
    const y = g.op('Conv2D', [input, g.weight(`${prefix}.weight`, [1, 1, ...w.shape], w.data)], { strides: [1, 1, 1, 1], padding: 'VALID', data_format: 'NHWC', dilations: [1, 1, 1, 1] });
    return g.op('BiasAdd', [y, param(g, a.weights, `${prefix}.bias`)]);
  };
  const down = dense(x, 'down');
  const h = a.activation === 'relu' ? g.op('Relu', [down]) : gelu(g, down);
  return g.op('AddV2', [x, dense(h, 'up')]);
}
