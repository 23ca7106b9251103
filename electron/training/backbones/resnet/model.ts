import { BaseBackbone, type BackboneBuildOptions } from '../base.ts';
import { type ResNetConfig, resnetLayout } from './layout.ts';
import { resnetGraph } from './graph.ts';

export type { ResNetConfig };

/** timm `resnet18/34/50`: NHWC, variables named as timm's state dict, TF.js layouts. */
export class ResNet extends BaseBackbone {
  readonly family = 'resnet' as const;

  constructor(arch: string, readonly config: ResNetConfig, opts: BackboneBuildOptions) {
    super(resnetLayout(arch, config, opts), resnetGraph(config), opts.seed);
  }

  /** Any H x W: convolutions slide, and the global average pool removes the spatial size (timm's ResNets alike). */
  protected inputSizeError(): string | null {
    return null;
  }
}
