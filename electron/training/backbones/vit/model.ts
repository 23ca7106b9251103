import * as tf from '@tensorflow/tfjs';
import { BaseBackbone, type BackboneBuildOptions } from '../base.ts';
import { NUM_PREFIX_TOKENS, type ViTConfig, vitLayout } from './layout.ts';
import { conv2d, gelu, layerNorm, linear } from '../ops.ts';
import { resamplePosEmbed } from './pos-embed.ts';
import type { ForwardOptions } from '../types.ts';

export type { ViTConfig };

const LN_EPS = 1e-6;

/** timm VisionTransformer: patch conv, class token, pre-norm blocks with fused qkv, final norm, token pooling. */
export class ViT extends BaseBackbone {
  readonly family = 'vit' as const;
  private readonly grid: number;

  constructor(arch: string, readonly config: ViTConfig, opts: BackboneBuildOptions) {
    super(vitLayout(arch, config, opts), opts.seed);
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

  protected runGroup(index: number, x: tf.Tensor, opts: ForwardOptions): tf.Tensor {
    const group = this.groups[index];
    if (group === 'stem') return this.stem(x as tf.Tensor4D);
    if (group === 'norm') return layerNorm(x, this.params.get('norm.weight'), this.params.get('norm.bias'), LN_EPS);
    if (group === 'head') return this.forwardHead(x);
    return this.afterGroup(group, this.block(index - 1, x, opts), opts);
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

  private stem(x: tf.Tensor4D): tf.Tensor {
    const p = this.params;
    const patches = conv2d(x, p.get('patch_embed.proj.weight'), this.config.patchSize, 0, p.get('patch_embed.proj.bias'));
    const n = x.shape[0];
    const tokens = tf.reshape(patches, [n, this.grid * this.grid, this.config.embedDim]);
    const cls = tf.tile(p.get('cls_token'), [n, 1, 1]);
    return tf.add(tf.concat([cls, tokens], 1), p.get('pos_embed'));
  }

  private block(i: number, x: tf.Tensor, opts: ForwardOptions): tf.Tensor {
    const b = `blocks.${i}`;
    const p = this.params;
    const h = layerNorm(x, p.get(`${b}.norm1.weight`), p.get(`${b}.norm1.bias`), LN_EPS);
    const y = tf.add(x, this.attention(i, h, opts));
    const h2 = layerNorm(y, p.get(`${b}.norm2.weight`), p.get(`${b}.norm2.bias`), LN_EPS);
    const mlp = linear(gelu(linear(h2, p.get(`${b}.mlp.fc1.weight`), p.get(`${b}.mlp.fc1.bias`))), p.get(`${b}.mlp.fc2.weight`), p.get(`${b}.mlp.fc2.bias`));
    return tf.add(y, mlp);
  }

  /**
   * Multi-head self-attention with timm's fused qkv (output columns q; k; v, heads contiguous in
   * each). q, k and v are sliced apart before the heads are split so that LoRA can add a delta to
   * exactly one of them through `projectionDelta`.
   */
  private attention(i: number, h: tf.Tensor, opts: ForwardOptions): tf.Tensor {
    const b = `blocks.${i}`;
    const { embedDim: d, numHeads } = this.config;
    const [n, t] = h.shape;
    const qkv = linear(h, this.params.get(`${b}.attn.qkv.weight`), this.params.get(`${b}.attn.qkv.bias`));
    const [q, k, v] = (['q', 'k', 'v'] as const).map((which, j) => {
      const part = tf.slice(qkv, [0, 0, j * d], [n, t, d]);
      const delta = opts.projectionDelta?.(i, which, h);
      const full = delta ? tf.add(part, delta) : part;
      return tf.transpose(tf.reshape(full, [n, t, numHeads, d / numHeads]), [0, 2, 1, 3]);
    });
    const scale = 1 / Math.sqrt(d / numHeads);
    const attn = tf.softmax(tf.matMul(tf.mul(q, scale), k, false, true));
    const out = tf.reshape(tf.transpose(tf.matMul(attn, v), [0, 2, 1, 3]), [n, t, d]);
    return linear(out, this.params.get(`${b}.attn.proj.weight`), this.params.get(`${b}.attn.proj.bias`));
  }

  /** Class-token pooling (timm's global_pool='token'). */
  protected pool(features: tf.Tensor): tf.Tensor2D {
    const [n, , d] = features.shape;
    return tf.reshape(tf.slice(features, [0, 0, 0], [n, 1, d]), [n, d]);
  }
}
