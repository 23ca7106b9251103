import type { Backbone } from '../types.ts';
import type { ViTConfig } from './layout.ts';
import { hwioToOihw } from '../../weights/layout.ts';
import type { OnnxGraph } from '../../export/onnx/graph.ts';
import type { HostWeights } from '../../export/host-weights.ts';
import { type AdapterWeights, hasAdapter } from '../../export/adapters.ts';
import { activation, gemm } from '../../export/onnx/ops.ts';

const LN_EPS = 1e-6;

/**
 * ViT as ONNX (opset 17): patch Conv, class token expanded to the batch, position embedding,
 * pre-norm blocks (LayerNormalization, fused qkv MatMul, per-head attention, exact erf GELU),
 * final norm, class-token pooling, Gemm head. The batch dimension stays dynamic.
 */
export function vitToOnnx(g: OnnxGraph, model: Backbone, config: ViTConfig, w: HostWeights, input: string, adapters?: AdapterWeights): string {
  const { embedDim: d, numHeads: h, patchSize: p } = config;
  const hd = d / h;
  const patch = hwioToOihw(w.get('patch_embed.proj.weight')!);
  let x = g.node('Conv', [input, g.weight('patch_embed.proj.weight', patch.shape, patch.data), param(g, w, 'patch_embed.proj.bias')], {
    kernel_shape: [p, p],
    strides: [p, p],
  });
  x = g.node('Transpose', [g.node('Reshape', [x, g.int64('shape_patches', [0, d, -1])])], { perm: [0, 2, 1] }); // [N, T-1, D]
  const batch = g.node('Slice', [g.node('Shape', [input]), g.int64('zero', [0]), g.int64('one', [1])]);
  const clsShape = g.node('Concat', [batch, g.int64('shape_cls_tail', [1, d])], { axis: 0 });
  const cls = g.node('Expand', [param(g, w, 'cls_token'), clsShape]);
  x = g.node('Add', [g.node('Concat', [cls, x], { axis: 1 }), param(g, w, 'pos_embed')]);
  const headsShape = g.int64('shape_heads', [0, 0, 3, h, hd]);
  const mergeShape = g.int64('shape_merge', [0, 0, d]);
  const scale = g.scalar('attn_scale', 1 / Math.sqrt(hd));
  for (let i = 0; i < config.depth; i++) {
    const b = `blocks.${i}`;
    // Attention: qkv [N, T, 3D] -> [N, T, 3, H, hd] -> [3, N, H, T, hd]
    const qkv = linear(g, w, layerNorm(g, w, x, `${b}.norm1`), `${b}.attn.qkv`);
    const split = g.node('Transpose', [g.node('Reshape', [qkv, headsShape])], { perm: [2, 0, 3, 1, 4] });
    const [q, k, v] = [0, 1, 2].map((j) => g.node('Gather', [split, g.int64(`${b}.idx${j}`, [j], [])], { axis: 0 }));
    const scores = g.node('MatMul', [g.node('Mul', [q, scale]), g.node('Transpose', [k], { perm: [0, 1, 3, 2] })]);
    const attn = g.node('MatMul', [g.node('Softmax', [scores], { axis: -1 }), v]); // [N, H, T, hd]
    const merged = g.node('Reshape', [g.node('Transpose', [attn], { perm: [0, 2, 1, 3] }), mergeShape]);
    x = g.node('Add', [x, linear(g, w, merged, `${b}.attn.proj`)]);
    const hidden = linear(g, w, layerNorm(g, w, x, `${b}.norm2`), `${b}.mlp.fc1`);
    x = g.node('Add', [x, linear(g, w, gelu(g, hidden, `${b}.gelu`), `${b}.mlp.fc2`)]);
    if (hasAdapter(adapters, b)) {
      const h = activation(g, linear(g, adapters.weights, x, `adapters.${b}.down`), adapters.activation, `adapters.${b}`);
      x = g.node('Add', [x, linear(g, adapters.weights, h, `adapters.${b}.up`)]);
    }
  }
  x = layerNorm(g, w, x, 'norm');
  const token = g.node('Gather', [x, g.int64('cls_index', [0], [])], { axis: 1 }); // [N, D]
  return model.numClasses > 0 ? gemm(g, token, w, 'head') : token;
}

function param(g: OnnxGraph, w: HostWeights, name: string): string {
  const t = w.get(name)!;
  return g.weight(name, t.shape, t.data);
}

function linear(g: OnnxGraph, w: HostWeights, x: string, prefix: string): string {
  return g.node('Add', [g.node('MatMul', [x, param(g, w, `${prefix}.weight`)]), param(g, w, `${prefix}.bias`)]);
}

function layerNorm(g: OnnxGraph, w: HostWeights, x: string, prefix: string): string {
  return g.node('LayerNormalization', [x, param(g, w, `${prefix}.weight`), param(g, w, `${prefix}.bias`)], { axis: -1, epsilon: { float: LN_EPS } });
}

/** Exact GELU: 0.5·x·(1 + erf(x/√2)). */
function gelu(g: OnnxGraph, x: string, prefix: string): string {
  const erf = g.node('Erf', [g.node('Mul', [x, g.scalar(`${prefix}.rsqrt2`, Math.SQRT1_2)])]);
  return g.node('Mul', [g.node('Mul', [x, g.scalar(`${prefix}.half`, 0.5)]), g.node('Add', [erf, g.scalar(`${prefix}.one`, 1)])]);
}
