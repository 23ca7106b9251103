import type { ArchGraph, ArchOp, GroupGraph, LayerNormOp } from '../arch-graph.ts';
import { NUM_PREFIX_TOKENS, type ViTConfig } from './layout.ts';

/** timm's eps for the ViT LayerNorms. */
const LN_EPS = 1e-6;

/**
 * timm's VisionTransformer as an ArchGraph: patch embedding with class token and position
 * embedding, pre-norm blocks (x + attn(norm1(x)), then x + mlp(norm2(x))), final norm, class-token
 * pooling, `head`.
 */
export function vitGraph(config: ViTConfig, imageSize: number): ArchGraph {
  const { patchSize: patch, embedDim: dim, numHeads: heads } = config;
  const grid = imageSize / patch;
  const stem: ArchOp = { op: 'patchEmbed', conv: 'patch_embed.proj', patch, grid, dim, clsToken: 'cls_token', posEmbed: 'pos_embed' };
  const blocks = Array.from({ length: config.depth }, (_, i): GroupGraph => {
    const b = `blocks.${i}`;
    const attention: ArchOp = { op: 'attention', prefix: `${b}.attn`, block: i, dim, heads };
    const ops: ArchOp[] = [
      { op: 'residual', body: [layerNorm(`${b}.norm1`), attention], shortcut: [], relu: false },
      { op: 'residual', body: [layerNorm(`${b}.norm2`), { op: 'mlp', prefix: `${b}.mlp` }], shortcut: [], relu: false },
    ];
    return { name: b, ops, adapter: true };
  });
  return {
    groups: [{ name: 'stem', ops: [stem], adapter: false }, ...blocks, { name: 'norm', ops: [layerNorm('norm')], adapter: false }],
    head: { pool: 'token', classifier: 'head' },
    tokens: NUM_PREFIX_TOKENS + grid * grid,
  };
}

function layerNorm(name: string): LayerNormOp {
  return { op: 'layerNorm', name, eps: LN_EPS };
}
