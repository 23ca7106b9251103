import type { ResNetConfig } from '../../backbones/resnet.ts';
import type { Backbone } from '../../backbones/types.ts';
import type { ViTConfig } from '../../backbones/vit.ts';
import { type HostWeights, foldBatchNorm, resnetBlocks } from '../host-weights.ts';
import { type AdapterWeights, hasAdapter } from '../adapters.ts';
import type { TfGraph } from './graph-def.ts';

const LN_EPS = 1e-6;

function param(g: TfGraph, w: HostWeights, name: string): string {
  const t = w.get(name)!;
  return g.weight(name, t.shape, t.data);
}

/** x·W + b over the last axis; x of rank 3 is flattened to 2-d and back (T and D are static). */
function linear(g: TfGraph, w: HostWeights, x: string, prefix: string, tokens?: number): string {
  const weight = w.get(`${prefix}.weight`)!;
  const [inDim, outDim] = weight.shape;
  const flat = tokens === undefined ? x : g.op('Reshape', [x, g.int32([-1, inDim])]);
  const y = g.op('BiasAdd', [g.op('MatMul', [flat, param(g, w, `${prefix}.weight`)], { transpose_a: false, transpose_b: false }), param(g, w, `${prefix}.bias`)]);
  return tokens === undefined ? y : g.op('Reshape', [y, g.int32([-1, tokens, outDim])]);
}

/** ResNet, NHWC input, BatchNorm folded, PyTorch's symmetric paddings as explicit Pad ops. */
export function resnetGraph(g: TfGraph, model: Backbone, config: ResNetConfig, w: HostWeights, input: string, adapters?: AdapterWeights): string {
  const pad = (x: string, p: number) => (p === 0 ? x : g.op('Pad', [x, g.int32([0, 0, p, p, p, p, 0, 0], [4, 2])]));
  const convBn = (x: string, conv: string, bn: string, stride: number, p: number) => {
    const { weight, bias } = foldBatchNorm(w, conv, bn);
    const y = g.op('Conv2D', [pad(x, p), g.weight(`${conv}.weight`, weight.shape, weight.data)], {
      strides: [1, stride, stride, 1],
      padding: 'VALID',
      data_format: 'NHWC',
      dilations: [1, 1, 1, 1],
    });
    return g.op('BiasAdd', [y, g.weight(`${conv}.bias`, [bias.length], bias)]);
  };
  let x = g.op('Relu', [convBn(input, 'conv1', 'bn1', 2, 3)]);
  // Zero padding equals PyTorch's -inf padding here: the input follows a ReLU.
  x = g.op('MaxPool', [pad(x, 1)], { ksize: [1, 3, 3, 1], strides: [1, 2, 2, 1], padding: 'VALID', data_format: 'NHWC' });
  const blocks = resnetBlocks(config.layers, config.block === 'basic' ? 1 : 4);
  blocks.forEach(({ name: n, stride, downsample }, i) => {
    let y: string;
    if (config.block === 'basic') {
      y = g.op('Relu', [convBn(x, `${n}.conv1`, `${n}.bn1`, stride, 1)]);
      y = convBn(y, `${n}.conv2`, `${n}.bn2`, 1, 1);
    } else {
      y = g.op('Relu', [convBn(x, `${n}.conv1`, `${n}.bn1`, 1, 0)]);
      y = g.op('Relu', [convBn(y, `${n}.conv2`, `${n}.bn2`, stride, 1)]);
      y = convBn(y, `${n}.conv3`, `${n}.bn3`, 1, 0);
    }
    const shortcut = downsample ? convBn(x, `${n}.downsample.0`, `${n}.downsample.1`, stride, 0) : x;
    x = g.op('Relu', [g.op('AddV2', [y, shortcut])]);
    const stage = n.slice(0, n.indexOf('.'));
    const lastOfStage = blocks[i + 1]?.name.startsWith(`${stage}.`) !== true;
    if (lastOfStage && hasAdapter(adapters, stage)) x = adapter(g, adapters, stage, x);
  });
  const pooled = g.op('Mean', [x, g.int32([1, 2])], { keep_dims: false });
  return model.numClasses > 0 ? linear(g, w, pooled, 'fc') : pooled;
}

function layerNorm(g: TfGraph, w: HostWeights, x: string, prefix: string): string {
  const axis = g.int32([2]);
  const centred = g.op('Sub', [x, g.op('Mean', [x, axis], { keep_dims: true })]);
  const variance = g.op('Mean', [g.op('Square', [centred]), axis], { keep_dims: true });
  const normed = g.op('Mul', [centred, g.op('Rsqrt', [g.op('AddV2', [variance, g.scalar(LN_EPS)])])]);
  return g.op('AddV2', [g.op('Mul', [normed, param(g, w, `${prefix}.weight`)]), param(g, w, `${prefix}.bias`)]);
}

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

/**
 * x + up(act(down(x))) over the last axis: tokens ([N, T, D], `tokens` given) or an NHWC map, where
 * an [in, out] matrix is exactly a 1×1 convolution kernel [1, 1, in, out].
 */
function adapter(g: TfGraph, a: AdapterWeights, group: string, x: string, tokens?: number): string {
  const dense = (input: string, name: string) => {
    const prefix = `adapters.${group}.${name}`;
    if (tokens !== undefined) return linear(g, a.weights, input, prefix, tokens);
    const w = a.weights.get(`${prefix}.weight`)!;
    const y = g.op('Conv2D', [input, g.weight(`${prefix}.weight`, [1, 1, ...w.shape], w.data)], { strides: [1, 1, 1, 1], padding: 'VALID', data_format: 'NHWC', dilations: [1, 1, 1, 1] });
    return g.op('BiasAdd', [y, param(g, a.weights, `${prefix}.bias`)]);
  };
  const down = dense(x, 'down');
  const h =
    a.activation === 'relu'
      ? g.op('Relu', [down])
      : g.op('Mul', [g.op('Mul', [down, g.scalar(0.5)]), g.op('AddV2', [g.op('Erf', [g.op('Mul', [down, g.scalar(Math.SQRT1_2)])]), g.scalar(1)])]);
  return g.op('AddV2', [x, dense(h, 'up')]);
}
