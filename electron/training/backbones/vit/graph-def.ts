import type { Backbone } from '../types.ts';
import type { ViTConfig } from './layout.ts';
import type { HostWeights } from '../../export/host-weights.ts';
import { type AdapterWeights, hasAdapter } from '../../export/adapters.ts';
import type { TfGraph } from '../../export/tfjs/graph-def.ts';
import { adapter, layerNorm, linear, param } from '../../export/tfjs/graph-ops.ts';

/** ViT, NHWC input: patch conv, class token, pre-norm blocks with fused qkv and exact GELU, token pooling. */
export function vitGraph(g: TfGraph, model: Backbone, config: ViTConfig, w: HostWeights, input: string, adapters?: AdapterWeights): string {
  const { embedDim: d, numHeads: h, patchSize: p, depth } = config;
  const hd = d / h;
  const grid = model.imageSize / p;
  const t = grid * grid + 1;
  let x = g.op('Conv2D', [input, param(g, w, 'patch_embed.proj.weight')], { strides: [1, p, p, 1], padding: 'VALID', data_format: 'NHWC', dilations: [1, 1, 1, 1] });
  x = g.op('Reshape', [g.op('BiasAdd', [x, param(g, w, 'patch_embed.proj.bias')]), g.int32([-1, grid * grid, d])]);
  // The class token, broadcast to the batch: (first patch token × 0) + cls_token.
  const first = g.op('Slice', [x, g.int32([0, 0, 0]), g.int32([-1, 1, -1])]);
  const cls = g.op('AddV2', [g.op('Mul', [first, g.scalar(0)]), param(g, w, 'cls_token')]);
  x = g.op('AddV2', [g.op('ConcatV2', [cls, x, g.int32([1], [])], { N: 2 }), param(g, w, 'pos_embed')]);
  const scale = g.scalar(1 / Math.sqrt(hd));
  for (let i = 0; i < depth; i++) {
    const b = `blocks.${i}`;
    const qkv = linear(g, w, layerNorm(g, w, x, `${b}.norm1`), `${b}.attn.qkv`, t);
    const heads = g.op('Transpose', [g.op('Reshape', [qkv, g.int32([-1, t, 3, h, hd])]), g.int32([2, 0, 3, 1, 4])]);
    const unpacked = g.op('Unpack', [heads], { axis: 0, num: 3 });
    const [q, k, v] = [unpacked, `${unpacked}:1`, `${unpacked}:2`];
    const scores = g.op('BatchMatMulV2', [g.op('Mul', [q, scale]), k], { adj_x: false, adj_y: true });
    const attn = g.op('BatchMatMulV2', [g.op('Softmax', [scores]), v], { adj_x: false, adj_y: false });
    const merged = g.op('Reshape', [g.op('Transpose', [attn, g.int32([0, 2, 1, 3])]), g.int32([-1, t, d])]);
    x = g.op('AddV2', [x, linear(g, w, merged, `${b}.attn.proj`, t)]);
    const hidden = linear(g, w, layerNorm(g, w, x, `${b}.norm2`), `${b}.mlp.fc1`, t);
    const erf = g.op('Erf', [g.op('Mul', [hidden, g.scalar(Math.SQRT1_2)])]);
    const gelu = g.op('Mul', [g.op('Mul', [hidden, g.scalar(0.5)]), g.op('AddV2', [erf, g.scalar(1)])]);
    x = g.op('AddV2', [x, linear(g, w, gelu, `${b}.mlp.fc2`, t)]);
    if (hasAdapter(adapters, b)) x = adapter(g, adapters, b, x, t);
  }
  x = layerNorm(g, w, x, 'norm');
  const token = g.op('GatherV2', [x, g.int32([0], []), g.int32([1], [])], { batch_dims: 0 });
  return model.numClasses > 0 ? linear(g, w, token, 'head') : token;
}

