import type { ArchGraph, ArchOp, ConvBnOp } from '../../backbones/arch-graph.ts';
import { type AdapterWeights, hasAdapter } from '../adapters.ts';
import { type HostWeights, foldBatchNorm } from '../host-weights.ts';
import type { TfGraph } from './graph-def.ts';
import { adapter, linear } from './graph-ops.ts';

/**
 * The TF GraphDef interpreter of an ArchGraph: NHWC, eval mode with BatchNorm folded, PyTorch's
 * symmetric paddings as explicit Pad ops, adapters as ops after their group. Returns the output's name.
 */
export function emitGraphDef(g: TfGraph, graph: ArchGraph, w: HostWeights, input: string, numClasses: number, adapters?: AdapterWeights): string {
  let x = input;
  for (const group of graph.groups) {
    x = emitOps(g, w, group.ops, x);
    if (group.adapter && hasAdapter(adapters, group.name)) x = adapter(g, adapters, group.name, x);
  }
  const pooled = g.op('Mean', [x, g.int32([1, 2])], { keep_dims: false });
  return numClasses > 0 ? linear(g, w, pooled, graph.head.classifier) : pooled;
}

function emitOps(g: TfGraph, w: HostWeights, ops: readonly ArchOp[], input: string): string {
  let x = input;
  for (const op of ops) x = emitOp(g, w, op, x);
  return x;
}

function emitOp(g: TfGraph, w: HostWeights, op: ArchOp, x: string): string {
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
      const sum = g.op('AddV2', [emitOps(g, w, op.body, x), emitOps(g, w, op.shortcut, x)]);
      return op.relu ? g.op('Relu', [sum]) : sum;
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
