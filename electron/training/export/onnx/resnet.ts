import type { Backbone } from '../../backbones/types.ts';
import type { ResNetConfig } from '../../backbones/resnet.ts';
import { BN_EPS } from '../../backbones/ops.ts';
import { hwioToOihw } from '../../weights/layout.ts';
import type { OnnxGraph } from './graph.ts';

/** Host copies of a backbone's variables, read once. */
export type HostWeights = Map<string, { shape: number[]; data: Float32Array }>;

/**
 * ResNet as ONNX: NCHW input, each convolution with its BatchNorm folded in (eval mode:
 * w' = w·γ/√(σ²+ε), b' = β − μ·γ/√(σ²+ε)), PyTorch paddings, global average pool, Gemm head.
 */
export function resnetToOnnx(g: OnnxGraph, model: Backbone, config: ResNetConfig, w: HostWeights, input: string): string {
  const convBn = (x: string, conv: string, bn: string, stride: number, pad: number) => {
    const { weight, bias } = foldBatchNorm(w, conv, bn);
    const k = weight.shape[2];
    return g.node('Conv', [x, g.weight(`${conv}.weight`, weight.shape, weight.data), g.weight(`${conv}.bias`, [bias.length], bias)], {
      kernel_shape: [k, k],
      strides: [stride, stride],
      pads: [pad, pad, pad, pad],
    });
  };
  let x = g.node('Relu', [convBn(input, 'conv1', 'bn1', 2, 3)]);
  x = g.node('MaxPool', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
  const expansion = config.block === 'basic' ? 1 : 4;
  let inC = 64;
  config.layers.forEach((count, s) => {
    const width = 64 * 2 ** s;
    for (let b = 0; b < count; b++) {
      const n = `layer${s + 1}.${b}`;
      const stride = b === 0 && s > 0 ? 2 : 1;
      const downsample = stride !== 1 || inC !== width * expansion;
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
      inC = width * expansion;
    }
  });
  const pooled = g.node('Flatten', [g.node('GlobalAveragePool', [x])], { axis: 1 });
  return model.numClasses > 0 ? gemm(g, pooled, w, 'fc') : pooled;
}

/** y = x·W + b with W stored [in, out] (TF.js layout). */
export function gemm(g: OnnxGraph, x: string, w: HostWeights, prefix: string, output?: string): string {
  const weight = w.get(`${prefix}.weight`)!;
  const bias = w.get(`${prefix}.bias`)!;
  return g.node('Gemm', [x, g.weight(`${prefix}.weight`, weight.shape, weight.data), g.weight(`${prefix}.bias`, bias.shape, bias.data)], {}, output);
}

function foldBatchNorm(w: HostWeights, conv: string, bn: string) {
  const kernel = hwioToOihw(w.get(`${conv}.weight`)!); // [out, in, kh, kw]
  const gamma = w.get(`${bn}.weight`)!.data;
  const beta = w.get(`${bn}.bias`)!.data;
  const mean = w.get(`${bn}.running_mean`)!.data;
  const variance = w.get(`${bn}.running_var`)!.data;
  const out = kernel.shape[0];
  const perOut = kernel.data.length / out;
  const data = new Float32Array(kernel.data.length);
  const bias = new Float32Array(out);
  for (let o = 0; o < out; o++) {
    const scale = gamma[o] / Math.sqrt(variance[o] + BN_EPS);
    for (let i = 0; i < perOut; i++) data[o * perOut + i] = kernel.data[o * perOut + i] * scale;
    bias[o] = beta[o] - mean[o] * scale;
  }
  return { weight: { shape: kernel.shape, data }, bias };
}
