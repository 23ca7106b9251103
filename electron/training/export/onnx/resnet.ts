import type { Backbone } from '../../backbones/types.ts';
import type { ResNetConfig } from '../../backbones/resnet.ts';
import { hwioToOihw } from '../../weights/layout.ts';
import { type HostWeights, foldBatchNorm, resnetBlocks } from '../host-weights.ts';
import type { OnnxGraph } from './graph.ts';

/**
 * ResNet as ONNX: NCHW input, each convolution with its BatchNorm folded in (eval mode:
 * w' = w·γ/√(σ²+ε), b' = β − μ·γ/√(σ²+ε)), PyTorch paddings, global average pool, Gemm head.
 */
export function resnetToOnnx(g: OnnxGraph, model: Backbone, config: ResNetConfig, w: HostWeights, input: string): string {
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
  for (const { name: n, stride, downsample } of resnetBlocks(config.layers, config.block === 'basic' ? 1 : 4)) {
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
  }
  const pooled = g.node('Flatten', [g.node('GlobalAveragePool', [x])], { axis: 1 });
  return model.numClasses > 0 ? gemm(g, pooled, w, 'fc') : pooled;
}

/** y = x·W + b with W stored [in, out] (TF.js layout). */
export function gemm(g: OnnxGraph, x: string, w: HostWeights, prefix: string, output?: string): string {
  const weight = w.get(`${prefix}.weight`)!;
  const bias = w.get(`${prefix}.bias`)!;
  return g.node('Gemm', [x, g.weight(`${prefix}.weight`, weight.shape, weight.data), g.weight(`${prefix}.bias`, bias.shape, bias.data)], {}, output);
}
