import * as tf from '@tensorflow/tfjs';
import { BaseBackbone, type BackboneBuildOptions } from '../base.ts';
import { NUM_PREFIX_TOKENS, type ViTConfig, vitLayout } from './layout.ts';
import { resamplePosEmbed } from './pos-embed.ts';
import { vitGraph } from './graph.ts';

export type { ViTConfig };

/** timm VisionTransformer: patch conv, class token, pre-norm blocks with fused qkv, final norm, token pooling. */
export class ViT extends BaseBackbone {
  readonly family = 'vit' as const;
  private readonly grid: number;

  constructor(arch: string, readonly config: ViTConfig, opts: BackboneBuildOptions) {
    super(vitLayout(arch, config, opts), vitGraph(config, opts.imageSize), opts.seed);
    this.grid = opts.imageSize / config.patchSize;
  }

  protected override noDecayExtra(): readonly string[] {
    return ['pos_embed', 'cls_token'];
  }

  /**
   * A checkpoint tensor for `name` whose shape differs from ours but can be adapted: pos_embed
   * from another input size is resampled (bicubic, as timm does). Returns null when not adaptable.
   */
  adaptWeight(name: string, value: tf.Tensor): tf.Tensor | null {
    if (name !== 'pos_embed' || value.rank !== 3 || value.shape[2] !== this.config.embedDim) return null;
    const g = Math.sqrt((value.shape[1] as number) - NUM_PREFIX_TOKENS);
    return Number.isInteger(g) ? resamplePosEmbed(value, this.grid, NUM_PREFIX_TOKENS) : null;
  }

  /** Only imageSize x imageSize: pos_embed has one entry per patch of that square grid. */
  protected inputSizeError(height: number, width: number): string | null {
    const s = this.imageSize;
    if (height === s && width === s) return null;
    if (height !== width) {
      const p = this.config.patchSize;
      return `${this.arch} takes square images only: its position embeddings are a ${this.grid}×${this.grid} grid of ${p} px patches, so it needs ${s}×${s} px ([N, ${s}, ${s}, 3]), got ${height}×${width}. Make the images square first (the 'pad' resize mode keeps the whole image), or use a ResNet, which takes any height and width.`;
    }
    return `${this.arch} was built for ${s}×${s} px images but got ${height}×${width}; resize the input or rebuild the model at that size.`;
  }
}
