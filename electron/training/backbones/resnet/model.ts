import type * as tf from '@tensorflow/tfjs';
import type { ArchGraph } from '../arch-graph.ts';
import { BaseBackbone, type BackboneBuildOptions } from '../base.ts';
import { type ResNetConfig, resnetLayout } from './layout.ts';
import { resnetGraph } from './graph.ts';
import { poolFeatures, runOps } from '../run-graph.ts';
import type { ForwardOptions } from '../types.ts';

export type { ResNetConfig };

/** timm `resnet18/34/50`: NHWC, variables named as timm's state dict, TF.js layouts. */
export class ResNet extends BaseBackbone {
  readonly family = 'resnet' as const;
  readonly graph: ArchGraph;

  constructor(arch: string, readonly config: ResNetConfig, opts: BackboneBuildOptions) {
    super(resnetLayout(arch, config, opts), opts.seed);
    this.graph = resnetGraph(config);
  }

  protected runGroup(index: number, x: tf.Tensor, opts: ForwardOptions): tf.Tensor {
    const group = this.graph.groups[index];
    if (!group) return this.forwardHead(x);
    const y = runOps(group.ops, x, { params: this.params, training: this.isTraining(group.name, opts), opts });
    return group.adapter ? this.afterGroup(group.name, y, opts) : y;
  }

  /** Any H x W: convolutions slide, and the global average pool below removes the spatial size (timm's ResNets alike). */
  protected inputSizeError(): string | null {
    return null;
  }

  protected pool(features: tf.Tensor): tf.Tensor2D {
    return poolFeatures(this.graph.head.pool, features);
  }
}
