import { validation } from '../../../../shared/contract/errors.ts';
import { type BackboneBuildOptions, type BackboneLayout, LayoutBuilder, makeLayout } from '../layout.ts';

/** timm's VisionTransformer knobs for the plain class-token ViTs (vit_{tiny,small,base}_patch16_224). */
export interface ViTConfig {
  patchSize: number;
  embedDim: number;
  depth: number;
  numHeads: number;
  mlpRatio: number;
}

/** timm's class token: the one prefix token before the patches. */
export const NUM_PREFIX_TOKENS = 1;

/** Every parameter of the ViT, by timm name, with its shape and timm's init; no tensor allocated. */
export function vitLayout(arch: string, config: ViTConfig, opts: BackboneBuildOptions): BackboneLayout {
  if (opts.imageSize % config.patchSize !== 0) {
    throw validation(`${arch} needs an image size that is a multiple of ${config.patchSize} px, got ${opts.imageSize}.`);
  }
  const { patchSize: ps, embedDim: d, depth, mlpRatio } = config;
  const grid = opts.imageSize / ps;
  const p = new LayoutBuilder();
  p.add('patch_embed.proj.weight', [ps, ps, 3, d], { normal: 0.02 });
  p.add('patch_embed.proj.bias', [d], 'zeros');
  p.add('cls_token', [1, 1, d], { normal: 1e-6 });
  p.add('pos_embed', [1, NUM_PREFIX_TOKENS + grid * grid, d], { normal: 0.02 });
  const hidden = Math.round(d * mlpRatio);
  const blocks = Array.from({ length: depth }, (_, i) => `blocks.${i}`);
  for (const b of blocks) {
    p.layerNorm(`${b}.norm1`, d);
    p.truncLinear(`${b}.attn.qkv`, d, 3 * d);
    p.truncLinear(`${b}.attn.proj`, d, d);
    p.layerNorm(`${b}.norm2`, d);
    p.truncLinear(`${b}.mlp.fc1`, d, hidden);
    p.truncLinear(`${b}.mlp.fc2`, hidden, d);
  }
  p.layerNorm('norm', d);
  return makeLayout({
    arch,
    family: 'vit',
    featureDim: d,
    numClasses: opts.numClasses,
    imageSize: opts.imageSize,
    groups: ['stem', ...blocks, 'norm', 'head'],
    classifier: 'head',
    body: p,
    hookWidths: new Map(blocks.map((b) => [b, d])),
    groupOfName: (name) => {
      if (name.startsWith('blocks.')) return name.split('.', 2).join('.');
      if (name.startsWith('norm.')) return 'norm';
      if (name.startsWith('head.')) return 'head';
      return 'stem';
    },
  });
}
