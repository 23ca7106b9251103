import type { ArchGraph, ArchOp, AttentionOp, ConvBnOp, Cut, PatchEmbedOp, ResidualOp } from '../../backbones/arch-graph.ts';
import { hwioToOihw } from '../../weights/layout.ts';
import { type AdapterWeights, hasAdapter } from '../adapters.ts';
import { type HostWeights, foldBatchNorm } from '../host-weights.ts';
import type { OnnxGraph } from './graph.ts';
import { activation, gemm } from './ops.ts';

/**
 * The ONNX interpreter of an ArchGraph (opset 17): NCHW maps or [N, T, D] tokens, eval mode, each
 * convolution with its BatchNorm folded in (w' = w·γ/√(σ²+ε), b' = β − μ·γ/√(σ²+ε)), PyTorch
 * paddings, adapters as ops after their group, Gemm head. The batch dimension stays dynamic.
 * Returns the output's name, and with `featuresAt` the name of what enters the graph at that cut
 * (a cut inside a residual: its body's output there and its shortcut's, concatenated on the
 * channel or feature axis, as TF.js's state there is).
 */
export function emitOnnx(g: OnnxGraph, graph: ArchGraph, w: HostWeights, input: string, numClasses: number, adapters?: AdapterWeights, featuresAt?: Cut): { output: string; features: string | null } {
  let x = input;
  let features: string | null = null;
  for (const [i, group] of graph.groups.entries()) {
    const at = featuresAt?.group === i ? { cut: featuresAt, axis: graph.tokens === undefined ? 1 : -1, mark: (f: string) => void (features = f) } : null;
    x = emitOps(g, w, group.ops, x, at);
    if (!group.adapter || !hasAdapter(adapters, group.name)) continue;
    x = graph.tokens === undefined ? convAdapter(g, adapters, group.name, x) : tokenAdapter(g, adapters, group.name, x);
  }
  if (featuresAt?.group === graph.groups.length) features = x;
  const pooled =
    graph.head.pool === 'avg'
      ? g.node('Flatten', [g.node('GlobalAveragePool', [x])], { axis: 1 })
      : g.node('Gather', [x, g.int64('cls_index', [0], [])], { axis: 1 }); // [N, D]
  return { output: numClasses > 0 ? gemm(g, pooled, w, graph.head.classifier) : pooled, features };
}

/** A cut in the ops being emitted: where it is, the axis its two parts join on, and who takes its name. */
interface CutMark {
  cut: Cut;
  axis: number;
  mark(features: string): void;
}

function emitOps(g: OnnxGraph, w: HostWeights, ops: readonly ArchOp[], input: string, at: CutMark | null = null): string {
  let x = input;
  for (const [j, op] of ops.entries()) {
    if (at?.cut.op === j && at.cut.body !== undefined) {
      x = residualWithCut(g, w, op as ResidualOp, x, at);
      continue;
    }
    if (at?.cut.op === j) at.mark(x);
    x = emitOp(g, w, op, x);
  }
  return x;
}

/** A residual whose state at body op `cut.body` is marked: Concat(body so far, shortcut), as runBetween carries it. */
function residualWithCut(g: OnnxGraph, w: HostWeights, op: ResidualOp, x: string, at: CutMark): string {
  const k = at.cut.body!;
  const partial = emitOps(g, w, op.body.slice(0, k), x);
  const shortcut = emitOps(g, w, op.shortcut, x);
  at.mark(g.node('Concat', [partial, shortcut], { axis: at.axis }));
  const sum = g.node('Add', [emitOps(g, w, op.body.slice(k), partial), shortcut]);
  return op.relu ? g.node('Relu', [sum]) : sum;
}

function emitOp(g: OnnxGraph, w: HostWeights, op: ArchOp, x: string): string {
  switch (op.op) {
    case 'convBn': {
      const y = convBn(g, w, op, x);
      return op.relu ? g.node('Relu', [y]) : y;
    }
    case 'maxPool':
      return g.node('MaxPool', [x], { kernel_shape: [op.size, op.size], strides: [op.stride, op.stride], pads: [op.pad, op.pad, op.pad, op.pad] });
    case 'residual': {
      const sum = g.node('Add', [emitOps(g, w, op.body, x), emitOps(g, w, op.shortcut, x)]);
      return op.relu ? g.node('Relu', [sum]) : sum;
    }
    case 'patchEmbed':
      return patchEmbed(g, w, op, x);
    case 'layerNorm':
      return g.node('LayerNormalization', [x, param(g, w, `${op.name}.weight`), param(g, w, `${op.name}.bias`)], { axis: -1, epsilon: { float: op.eps } });
    case 'attention':
      return attention(g, w, op, x);
    case 'mlp': {
      const hidden = linear(g, w, x, `${op.prefix}.fc1`);
      return linear(g, w, activation(g, hidden, 'gelu', `${op.prefix}.gelu`), `${op.prefix}.fc2`);
    }
  }
}

function convBn(g: OnnxGraph, w: HostWeights, { conv, bn, stride, pad }: ConvBnOp, x: string): string {
  const folded = foldBatchNorm(w, conv, bn);
  const weight = hwioToOihw(folded.weight);
  const bias = folded.bias;
  const k = weight.shape[2];
  return g.node('Conv', [x, g.weight(`${conv}.weight`, weight.shape, weight.data), g.weight(`${conv}.bias`, [bias.length], bias)], {
    kernel_shape: [k, k],
    strides: [stride, stride],
    pads: [pad, pad, pad, pad],
  });
}

/** Patch Conv to [N, T-1, D], the class token expanded to the batch, the position embedding added. */
function patchEmbed(g: OnnxGraph, w: HostWeights, op: PatchEmbedOp, input: string): string {
  const kernel = hwioToOihw(w.get(`${op.conv}.weight`)!);
  const p = op.patch;
  let x = g.node('Conv', [input, g.weight(`${op.conv}.weight`, kernel.shape, kernel.data), param(g, w, `${op.conv}.bias`)], { kernel_shape: [p, p], strides: [p, p] });
  x = g.node('Transpose', [g.node('Reshape', [x, g.int64('shape_patches', [0, op.dim, -1])])], { perm: [0, 2, 1] });
  const batch = g.node('Slice', [g.node('Shape', [input]), g.int64('zero', [0]), g.int64('one', [1])]);
  const clsShape = g.node('Concat', [batch, g.int64('shape_cls_tail', [1, op.dim])], { axis: 0 });
  const cls = g.node('Expand', [param(g, w, op.clsToken), clsShape]);
  return g.node('Add', [g.node('Concat', [cls, x], { axis: 1 }), param(g, w, op.posEmbed)]);
}

/** qkv [N, T, 3D] → [N, T, 3, H, hd] → [3, N, H, T, hd]; per-head attention; heads merged back; proj. */
function attention(g: OnnxGraph, w: HostWeights, op: AttentionOp, h: string): string {
  const hd = op.dim / op.heads;
  const qkv = linear(g, w, h, `${op.prefix}.qkv`);
  const headsShape = shared(g, 'shape_heads', () => g.int64('shape_heads', [0, 0, 3, op.heads, hd]));
  const split = g.node('Transpose', [g.node('Reshape', [qkv, headsShape])], { perm: [2, 0, 3, 1, 4] });
  const [q, k, v] = [0, 1, 2].map((j) => g.node('Gather', [split, g.int64(`${op.prefix}.idx${j}`, [j], [])], { axis: 0 }));
  const scale = shared(g, 'attn_scale', () => g.scalar('attn_scale', 1 / Math.sqrt(hd)));
  const scores = g.node('MatMul', [g.node('Mul', [q, scale]), g.node('Transpose', [k], { perm: [0, 1, 3, 2] })]);
  const attn = g.node('MatMul', [g.node('Softmax', [scores], { axis: -1 }), v]); // [N, H, T, hd]
  const mergeShape = shared(g, 'shape_merge', () => g.int64('shape_merge', [0, 0, op.dim]));
  const merged = g.node('Reshape', [g.node('Transpose', [attn], { perm: [0, 2, 1, 3] }), mergeShape]);
  return linear(g, w, merged, `${op.prefix}.proj`);
}

/** A constant every block uses, written once. */
function shared(g: OnnxGraph, name: string, make: () => string): string {
  return g.has(name) ? name : make();
}

function param(g: OnnxGraph, w: HostWeights, name: string): string {
  const t = w.get(name)!;
  return g.weight(name, t.shape, t.data);
}

/** x·W + b over the last axis of a tensor of any rank (MatMul broadcasts; Gemm would need 2-d). */
function linear(g: OnnxGraph, w: HostWeights, x: string, prefix: string): string {
  return g.node('Add', [g.node('MatMul', [x, param(g, w, `${prefix}.weight`)]), param(g, w, `${prefix}.bias`)]);
}

/** An adapter on an NCHW map: 1×1 convolutions down and up, the activation between, a residual add. */
function convAdapter(g: OnnxGraph, a: AdapterWeights, group: string, x: string): string {
  const conv = (input: string, name: string) => {
    const w = a.weights.get(`adapters.${group}.${name}.weight`)!; // [in, out]
    const [cin, cout] = w.shape;
    const kernel = new Float32Array(w.data.length);
    for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) kernel[o * cin + i] = w.data[i * cout + o];
    const b = a.weights.get(`adapters.${group}.${name}.bias`)!;
    return g.node('Conv', [input, g.weight(`adapters.${group}.${name}.weight`, [cout, cin, 1, 1], kernel), g.weight(`adapters.${group}.${name}.bias`, b.shape, b.data)], { kernel_shape: [1, 1] });
  };
  const h = activation(g, conv(x, 'down'), a.activation, `adapters.${group}`);
  return g.node('Add', [x, conv(h, 'up')]);
}

/** An adapter on tokens [N, T, D]: linear down and up, the activation between, a residual add. */
function tokenAdapter(g: OnnxGraph, a: AdapterWeights, group: string, x: string): string {
  const h = activation(g, linear(g, a.weights, x, `adapters.${group}.down`), a.activation, `adapters.${group}`);
  return g.node('Add', [x, linear(g, a.weights, h, `adapters.${group}.up`)]);
}
