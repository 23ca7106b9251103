/**
 * Architecture configurations as data (timm's `default_cfg` / `pretrained_cfg`), one row per
 * registered name. Pure data, so the engine and the renderer read the same table the model host
 * builds from: nothing else hard-codes a mean, a crop, a GFLOPs figure or a URL.
 */

export type Rgb = readonly [number, number, number];
export type ArchitectureFamily = 'resnet' | 'vit';

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

/** What every registered configuration states, pretrained or not. */
export interface ArchitectureCard {
  /** timm model name (or a test config's name). */
  arch: string;
  family: ArchitectureFamily;
  /** Offered in the app's model list; false for the tiny test configs. */
  offered: boolean;
  /** Square input size the weights were trained and evaluated at (the default image size). */
  inputSize: number;
  mean: Rgb;
  std: Rgb;
  interpolation: 'bicubic' | 'bilinear';
  /** Evaluation crop: resize the shorter side to inputSize / cropPct, then centre-crop inputSize. */
  cropPct: number;
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
}

/** A configuration with published weights. */
export interface PretrainedConfig extends ArchitectureCard {
  /** timm's pretrained tag (the weights' name after the dot). */
  tag: string;
  /** Classifier module name: `fc` (ResNet) or `head` (ViT). */
  classifier: 'fc' | 'head';
  numClasses: number;
  pretraining: PretrainingRecipe;
  weights: WeightSource;
}

export const IMAGENET_MEAN: Rgb = [0.485, 0.456, 0.406];
export const IMAGENET_STD: Rgb = [0.229, 0.224, 0.225];
/** The augreg ViTs were trained on inputs scaled to [-1, 1]. */
export const INCEPTION_MEAN: Rgb = [0.5, 0.5, 0.5];
export const INCEPTION_STD: Rgb = [0.5, 0.5, 0.5];

/** A tiny test configuration: no weights, next to no compute, ImageNet statistics, no crop. */
export function testCard(arch: string, family: ArchitectureFamily, featureDim: number, paramsMillions: number): ArchitectureCard {
  return {
    arch,
    family,
    offered: false,
    inputSize: 32,
    mean: IMAGENET_MEAN,
    std: IMAGENET_STD,
    interpolation: 'bilinear',
    cropPct: 1,
    featureDim,
    paramsMillions,
    gflops: 1e-4,
    trainMbPerImage: 1,
  };
}
