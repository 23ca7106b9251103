import type { Backbone } from '../types.ts';
import { type ResNetConfig, stageBlocks } from './layout.ts';
import { hwioToOihw } from '../../weights/layout.ts';
import { type HostWeights, foldBatchNorm } from '../../export/host-weights.ts';
import { type AdapterWeights, hasAdapter } from '../../export/adapters.ts';
import type { OnnxGraph } from '../../export/onnx/graph.ts';
import { activation, gemm } from '../../export/onnx/ops.ts';

/**
 * ResNet as ONNX: NCHW input, each convolution with its BatchNorm folded in (eval mode:
 * w' = w·γ/√(σ²+ε), b' = β − μ·γ/√(σ²+ε)), PyTorch paddings, global average pool, Gemm head.
 */
export function resnetToOnnx(g: OnnxGraph, model: Backbone, config: ResNetConfig, w: HostWeights, input: string, adapters?: AdapterWeights): string {
  const convBn = (x: string, conv: string, bn: string, stride: number, pad: number) => {
    const folded = foldBatchNorm(w, conv, bn);
    const weight = hwioToOihw(folded.weight);
    const bias = folded.bias;
    const k = weight.shape[2];
    return g.node('Conv', [x, g.weight(`${conv}.weight`, weight.shape, weight.data), g.weight(`${conv}.bias`, [bias.length], bias)], {
      kernel_shape: [k, k],
      strides: [stride, stride],
      pads: [pad, pad, pad, pad],
    });
  };
  let x = g.node('Relu', [convBn(input, 'conv1', 'bn1', 2, 3)]);
  x = g.node('MaxPool', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
  const blocks = stageBlocks(config).flat();
  blocks.forEach(({ name: n, stride, downsample }, i) => {
    let y: string;
    if (config.block === 'basic') {
      y = g.node('Relu', [convBn(x, `${n}.conv1`, `${n}.bn1`, stride, 1)]);
      y = convBn(y, `${n}.conv2`, `${n}.bn2`, 1, 1);
    } else {
      y = g.node('Relu', [convBn(x, `${n}.conv1`, `${n}.bn1`, 1, 0)]);
      y = g.node('Relu', [convBn(y, `${n}.conv2`, `${n}.bn2`, stride, 1)]);
      y = convBn(y, `${n}.conv3`, `${n}.bn3`, 1, 0);
    }
    const shortcut = downsample ? convBn(x, `${n}.downsample.0`, `${n}.downsample.1`, stride, 0) : x;
    x = g.node('Relu', [g.node('Add', [y, shortcut])]);
    const stage = n.slice(0, n.indexOf('.'));
    const lastOfStage = blocks[i + 1]?.name.startsWith(`${stage}.`) !== true;
    if (lastOfStage && hasAdapter(adapters, stage)) x = convAdapter(g, adapters, stage, x);
  });
  const pooled = g.node('Flatten', [g.node('GlobalAveragePool', [x])], { axis: 1 });
  return model.numClasses > 0 ? gemm(g, pooled, w, 'fc') : pooled;
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
