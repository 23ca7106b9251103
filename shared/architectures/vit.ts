import { type ArchitectureCard, INCEPTION_MEAN, INCEPTION_STD, type PretrainedConfig, type PretrainingRecipe, testCard } from './types.ts';

/** "How to train your ViT" (Steiner et al. 2021, arXiv:2106.10270): ImageNet-21k pretraining with Adam, lr 1e-3, batch 4096. */
const AUGREG: PretrainingRecipe = {
  optimizer: 'adam',
  lr: 1e-3,
  batchSize: 4096,
  source: 'How to train your ViT, ImageNet-21k pretraining (arXiv:2106.10270, section 3)',
};

function vit(arch: string, featureDim: number, paramsMillions: number, gflops: number, trainMbPerImage: number): PretrainedConfig {
  return {
    arch,
    family: 'vit',
    offered: true,
    tag: 'augreg_in21k_ft_in1k',
    inputSize: 224,
    mean: INCEPTION_MEAN,
    std: INCEPTION_STD,
    interpolation: 'bicubic',
    cropPct: 0.9,
    classifier: 'head',
    numClasses: 1000,
    featureDim,
    paramsMillions,
    gflops,
    trainMbPerImage,
    pretraining: AUGREG,
    weights: { repo: `timm/${arch}.augreg_in21k_ft_in1k`, file: 'model.safetensors', sha256: null },
  };
}

export const VIT_PRETRAINED = {
  vit_tiny_patch16_224: vit('vit_tiny_patch16_224', 192, 5.72, 1.26, 411),
  vit_small_patch16_224: vit('vit_small_patch16_224', 384, 22.05, 4.61, 821),
  // ViT-B: twice ViT-S's width and heads, not measured (one step takes minutes on wasm).
  vit_base_patch16_224: vit('vit_base_patch16_224', 768, 86.57, 17.58, 1650),
} satisfies Record<string, PretrainedConfig>;

export const VIT_TEST = {
  'test-tiny-vit': testCard('test-tiny-vit', 'vit', 16, 0.025),
  'test-small-vit': testCard('test-small-vit', 'vit', 32, 0.054),
} satisfies Record<string, ArchitectureCard>;
