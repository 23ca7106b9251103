import type { Backbone } from '../types.ts';
import { type ResNetConfig, stageBlocks } from './layout.ts';
import { type HostWeights, foldBatchNorm } from '../../export/host-weights.ts';
import { type AdapterWeights, hasAdapter } from '../../export/adapters.ts';
import type { TfGraph } from '../../export/tfjs/graph-def.ts';
import { adapter, linear } from '../../export/tfjs/graph-ops.ts';

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
  const blocks = stageBlocks(config).flat();
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

