import { notFound } from '../../../shared/contract/errors.ts';
import type { BackboneFamily } from './types.ts';

/**
 * Pretrained configurations as data (timm's `default_cfg` / `pretrained_cfg`), one row per timm
 * name. Preprocessing, the fine-tune learning-rate rule and the weight download all read this
 * table; nothing else hard-codes a mean, a crop or a URL.
 */

export type Rgb = readonly [number, number, number];

export interface PretrainingRecipe {
  optimizer: string;
  /** Peak learning rate of the published recipe, at `batchSize` (scale linearly for other batches). */
  lr: number;
  batchSize: number;
  /** Where the numbers come from. */
  source: string;
}

export interface WeightSource {
  /** Hugging Face repo id, e.g. `timm/resnet50.a1_in1k`. */
  repo: string;
  file: string;
  /** Expected sha256 of the file, null where we have not pinned it (the download then records it). */
  sha256: string | null;
}

export interface PretrainedConfig {
  /** timm model name. */
  arch: string;
  family: BackboneFamily;
  /** timm's pretrained tag (the weights' name after the dot). */
  tag: string;
  /** Square input size the weights were trained and evaluated at. */
  inputSize: number;
  mean: Rgb;
  std: Rgb;
  interpolation: 'bicubic' | 'bilinear';
  /** Evaluation crop: resize the shorter side to inputSize / cropPct, then centre-crop inputSize. */
  cropPct: number;
  /** Classifier module name: `fc` (ResNet) or `head` (ViT). */
  classifier: 'fc' | 'head';
  numClasses: number;
  featureDim: number;
  /** Parameter count in millions, with the 1000-class head (timm's model card). */
  paramsMillions: number;
  /** Forward GFLOPs of one image at `inputSize` (timm's model cards); scales with pixels (ResNet) or tokens (ViT). */
  gflops: number;
  /**
   * MB of activations one image keeps for the backward pass of full fine-tuning at `inputSize`
   * (TF.js keeps every intermediate on its tape), measured with tf.profile on wasm; see
   * electron/training/finetune/budget.ts.
   */
  trainMbPerImage: number;
  pretraining: PretrainingRecipe;
  weights: WeightSource;
}

export const IMAGENET_MEAN: Rgb = [0.485, 0.456, 0.406];
export const IMAGENET_STD: Rgb = [0.229, 0.224, 0.225];
/** The augreg ViTs were trained on inputs scaled to [-1, 1]. */
export const INCEPTION_MEAN: Rgb = [0.5, 0.5, 0.5];
export const INCEPTION_STD: Rgb = [0.5, 0.5, 0.5];

/** "ResNet strikes back" (Wightman, Touvron, Jégou 2021, arXiv:2110.00476), procedure A1: LAMB, lr 5e-3 at batch 2048, 600 epochs. */
const RSB_A1: PretrainingRecipe = {
  optimizer: 'lamb',
  lr: 5e-3,
  batchSize: 2048,
  source: 'ResNet strikes back, procedure A1 (arXiv:2110.00476, table 1)',
};

/** "How to train your ViT" (Steiner et al. 2021, arXiv:2106.10270): ImageNet-21k pretraining with Adam, lr 1e-3, batch 4096. */
const AUGREG: PretrainingRecipe = {
  optimizer: 'adam',
  lr: 1e-3,
  batchSize: 4096,
  source: 'How to train your ViT, ImageNet-21k pretraining (arXiv:2106.10270, section 3)',
};

function resnet(arch: string, featureDim: number, paramsMillions: number, gflops: number, trainMbPerImage: number): PretrainedConfig {
  return {
    arch,
    family: 'resnet',
    tag: 'a1_in1k',
    inputSize: 224,
    mean: IMAGENET_MEAN,
    std: IMAGENET_STD,
    interpolation: 'bicubic',
    cropPct: 0.95,
    classifier: 'fc',
    numClasses: 1000,
    featureDim,
    paramsMillions,
    gflops,
    trainMbPerImage,
    pretraining: RSB_A1,
    weights: { repo: `timm/${arch}.a1_in1k`, file: 'model.safetensors', sha256: null },
  };
}

function vit(arch: string, featureDim: number, paramsMillions: number, gflops: number, trainMbPerImage: number): PretrainedConfig {
  return {
    arch,
    family: 'vit',
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

/** Every architecture LabelTune can fine-tune, keyed by timm name. */
export const PRETRAINED: Readonly<Record<string, PretrainedConfig>> = {
  resnet18: resnet('resnet18', 512, 11.69, 1.82, 217),
  resnet34: resnet('resnet34', 512, 21.8, 3.67, 323),
  resnet50: resnet('resnet50', 2048, 25.56, 4.11, 938),
  vit_tiny_patch16_224: vit('vit_tiny_patch16_224', 192, 5.72, 1.26, 411),
  vit_small_patch16_224: vit('vit_small_patch16_224', 384, 22.05, 4.61, 821),
  // ViT-B: twice ViT-S's width and heads, not measured (one step takes minutes on wasm).
  vit_base_patch16_224: vit('vit_base_patch16_224', 768, 86.57, 17.58, 1650),
};

/** The pretrained configuration of `arch`, or a `not-found` error listing the known names. */
export function pretrainedConfig(arch: string): PretrainedConfig {
  const cfg = Object.hasOwn(PRETRAINED, arch) ? PRETRAINED[arch] : undefined;
  if (!cfg) {
    throw notFound(`Unknown architecture "${arch}". Available: ${Object.keys(PRETRAINED).join(', ')}.`);
  }
  return cfg;
}

/** All configurations, in table order (small to large within each family). */
export function listPretrained(): PretrainedConfig[] {
  return Object.values(PRETRAINED);
}
