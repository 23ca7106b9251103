import type { ArchGraph, ArchOp, AttentionOp, ConvBnOp, PatchEmbedOp } from '../../backbones/arch-graph.ts';
import { type AdapterWeights, hasAdapter } from '../adapters.ts';
import { type HostWeights, foldBatchNorm } from '../host-weights.ts';
import type { TfGraph } from './graph-def.ts';
import { adapter, gelu, layerNorm, linear, param } from './graph-ops.ts';

/**
 * The TF GraphDef interpreter of an ArchGraph: NHWC maps or [N, T, D] tokens (T static), eval
 * mode with BatchNorm folded, PyTorch's symmetric paddings as explicit Pad ops, adapters as ops
 * after their group. Returns the output's name.
 */
export function emitGraphDef(g: TfGraph, graph: ArchGraph, w: HostWeights, input: string, numClasses: number, adapters?: AdapterWeights): string {
  const t = graph.tokens;
  let x = input;
  for (const group of graph.groups) {
    x = emitOps(g, w, group.ops, x, t);
    if (group.adapter && hasAdapter(adapters, group.name)) x = adapter(g, adapters, group.name, x, t);
  }
  const pooled =
    graph.head.pool === 'avg'
      ? g.op('Mean', [x, g.int32([1, 2])], { keep_dims: false })
      : g.op('GatherV2', [x, g.int32([0], []), g.int32([1], [])], { batch_dims: 0 });
  return numClasses > 0 ? linear(g, w, pooled, graph.head.classifier) : pooled;
}

function emitOps(g: TfGraph, w: HostWeights, ops: readonly ArchOp[], input: string, tokens: number | undefined): string {
  let x = input;
  for (const op of ops) x = emitOp(g, w, op, x, tokens);
  return x;
}

function emitOp(g: TfGraph, w: HostWeights, op: ArchOp, x: string, tokens: number | undefined): string {
  switch (op.op) {
    case 'convBn': {
      const y = convBn(g, w, op, x);
      return op.relu ? g.op('Relu', [y]) : y;
    }
    case 'maxPool': {
      const window = [1, op.size, op.size, 1];
      return g.op('MaxPool', [pad(g, x, op.pad)], { ksize: window, strides: [1, op.stride, op.stride, 1], padding: 'VALID', data_format: 'NHWC' });
    }
    case 'residual': {
      const sum = g.op('AddV2', [emitOps(g, w, op.body, x, tokens), emitOps(g, w, op.shortcut, x, tokens)]);
      return op.relu ? g.op('Relu', [sum]) : sum;
    }
    case 'patchEmbed':
      return patchEmbed(g, w, op, x);
    case 'layerNorm':
      return layerNorm(g, w, x, op.name, op.eps);
    case 'attention':
      return attention(g, w, op, x, tokens!);
    case 'mlp': {
      const hidden = linear(g, w, x, `${op.prefix}.fc1`, tokens);
      return linear(g, w, gelu(g, hidden), `${op.prefix}.fc2`, tokens);
    }
  }
}

function pad(g: TfGraph, x: string, p: number): string {
  return p === 0 ? x : g.op('Pad', [x, g.int32([0, 0, p, p, p, p, 0, 0], [4, 2])]);
}

function convBn(g: TfGraph, w: HostWeights, { conv, bn, stride, pad: p }: ConvBnOp, x: string): string {
  const { weight, bias } = foldBatchNorm(w, conv, bn);
  const y = g.op('Conv2D', [pad(g, x, p), g.weight(`${conv}.weight`, weight.shape, weight.data)], {
    strides: [1, stride, stride, 1],
    padding: 'VALID',
    data_format: 'NHWC',
    dilations: [1, 1, 1, 1],
  });
  return g.op('BiasAdd', [y, g.weight(`${conv}.bias`, [bias.length], bias)]);
}

function patchEmbed(g: TfGraph, w: HostWeights, op: PatchEmbedOp, input: string): string {
  const p = op.patch;
  let x = g.op('Conv2D', [input, param(g, w, `${op.conv}.weight`)], { strides: [1, p, p, 1], padding: 'VALID', data_format: 'NHWC', dilations: [1, 1, 1, 1] });
  x = g.op('Reshape', [g.op('BiasAdd', [x, param(g, w, `${op.conv}.bias`)]), g.int32([-1, op.grid * op.grid, op.dim])]);
  // The class token, broadcast to the batch: (first patch token × 0) + cls_token.
  const first = g.op('Slice', [x, g.int32([0, 0, 0]), g.int32([-1, 1, -1])]);
  const cls = g.op('AddV2', [g.op('Mul', [first, g.scalar(0)]), param(g, w, op.clsToken)]);
  return g.op('AddV2', [g.op('ConcatV2', [cls, x, g.int32([1], [])], { N: 2 }), param(g, w, op.posEmbed)]);
}

/** qkv [N, T, 3D] → [3, N, H, T, hd], unpacked; per-head attention; heads merged back; proj. */
function attention(g: TfGraph, w: HostWeights, op: AttentionOp, h: string, t: number): string {
  const { dim: d, heads } = op;
  const hd = d / heads;
  const qkv = linear(g, w, h, `${op.prefix}.qkv`, t);
  const split = g.op('Transpose', [g.op('Reshape', [qkv, g.int32([-1, t, 3, heads, hd])]), g.int32([2, 0, 3, 1, 4])]);
  const unpacked = g.op('Unpack', [split], { axis: 0, num: 3 });
  const [q, k, v] = [unpacked, `${unpacked}:1`, `${unpacked}:2`];
  const scores = g.op('BatchMatMulV2', [g.op('Mul', [q, g.scalar(1 / Math.sqrt(hd))]), k], { adj_x: false, adj_y: true });
  const attn = g.op('BatchMatMulV2', [g.op('Softmax', [scores]), v], { adj_x: false, adj_y: false });
  const merged = g.op('Reshape', [g.op('Transpose', [attn, g.int32([0, 2, 1, 3])]), g.int32([-1, t, d])]);
  return linear(g, w, merged, `${op.prefix}.proj`, t);
}
