import type { ArchGraph, ArchOp, ConvBnOp } from '../../backbones/arch-graph.ts';
import { hwioToOihw } from '../../weights/layout.ts';
import { type AdapterWeights, hasAdapter } from '../adapters.ts';
import { type HostWeights, foldBatchNorm } from '../host-weights.ts';
import type { OnnxGraph } from './graph.ts';
import { activation, gemm } from './ops.ts';

/**
 * The ONNX interpreter of an ArchGraph: NCHW, eval mode, each convolution with its BatchNorm
 * folded in (w' = w·γ/√(σ²+ε), b' = β − μ·γ/√(σ²+ε)), PyTorch paddings, adapters as ops after
 * their group, Gemm head. Returns the output's name.
 */
export function emitOnnx(g: OnnxGraph, graph: ArchGraph, w: HostWeights, input: string, numClasses: number, adapters?: AdapterWeights): string {
  let x = input;
  for (const group of graph.groups) {
    x = emitOps(g, w, group.ops, x);
    if (group.adapter && hasAdapter(adapters, group.name)) x = convAdapter(g, adapters, group.name, x);
  }
  const pooled = g.node('Flatten', [g.node('GlobalAveragePool', [x])], { axis: 1 });
  return numClasses > 0 ? gemm(g, pooled, w, graph.head.classifier) : pooled;
}

function emitOps(g: OnnxGraph, w: HostWeights, ops: readonly ArchOp[], input: string): string {
  let x = input;
  for (const op of ops) x = emitOp(g, w, op, x);
  return x;
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
