import * as tf from '@tensorflow/tfjs';
import { BaseBackbone, type BackboneBuildOptions } from '../base.ts';
import { type BlockSpec, type ResNetConfig, resnetLayout, stageBlocks } from './layout.ts';
import { convBn, maxPoolAfterRelu } from '../ops.ts';
import type { ForwardOptions } from '../types.ts';

export type { ResNetConfig };

/** timm `resnet18/34/50`: NHWC, variables named as timm's state dict, TF.js layouts. */
export class ResNet extends BaseBackbone {
  readonly family = 'resnet' as const;
  private readonly stages: BlockSpec[][];

  constructor(arch: string, readonly config: ResNetConfig, opts: BackboneBuildOptions) {
    super(resnetLayout(arch, config, opts), opts.seed);
    this.stages = stageBlocks(config);
  }

  protected runGroup(index: number, x: tf.Tensor, opts: ForwardOptions): tf.Tensor {
    const group = this.groups[index];
    if (group === 'head') return this.forwardHead(x);
    const training = this.isTraining(group, opts);
    if (group === 'stem') return this.stem(x as tf.Tensor4D, training);
    let y = x as tf.Tensor4D;
    for (const spec of this.stages[index - 1]) y = this.block(spec, y, training);
    return this.afterGroup(group, y, opts);
  }

  private stem(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    const act = convBn(x, this.params.get('conv1.weight'), this.params.batchNorm('bn1'), 2, 3, training, true);
    return maxPoolAfterRelu(act, 3, 2, 1);
  }

  private convBn(x: tf.Tensor4D, prefix: string, conv: string, bn: string, stride: number, pad: number, training: boolean, relu = false) {
    return convBn(x, this.params.get(`${prefix}.${conv}.weight`), this.params.batchNorm(`${prefix}.${bn}`), stride, pad, training, relu);
  }

  private block(spec: BlockSpec, x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    const n = spec.name;
    let y: tf.Tensor4D;
    if (this.config.block === 'basic') {
      y = this.convBn(x, n, 'conv1', 'bn1', spec.stride, 1, training, true);
      y = this.convBn(y, n, 'conv2', 'bn2', 1, 1, training);
    } else {
      y = this.convBn(x, n, 'conv1', 'bn1', 1, 0, training, true);
      y = this.convBn(y, n, 'conv2', 'bn2', spec.stride, 1, training, true);
      y = this.convBn(y, n, 'conv3', 'bn3', 1, 0, training);
    }
    const shortcut = spec.downsample ? this.convBn(x, n, 'downsample.0', 'downsample.1', spec.stride, 0, training) : x;
    return tf.relu(tf.add(y, shortcut));
  }

  /** Any H x W: convolutions slide, and the global average pool below removes the spatial size (timm's ResNets alike). */
  protected inputSizeError(): string | null {
    return null;
  }

  /** Global average pool of the last feature map. */
  protected pool(features: tf.Tensor): tf.Tensor2D {
    return tf.mean(features, [1, 2]) as tf.Tensor2D;
  }
}
