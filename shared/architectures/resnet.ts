import { type ArchitectureCard, IMAGENET_MEAN, IMAGENET_STD, type PretrainedConfig, type PretrainingRecipe, testCard } from './types.ts';

/** "ResNet strikes back" (Wightman, Touvron, Jégou 2021, arXiv:2110.00476), procedure A1: LAMB, lr 5e-3 at batch 2048, 600 epochs. */
const RSB_A1: PretrainingRecipe = {
  optimizer: 'lamb',
  lr: 5e-3,
  batchSize: 2048,
  source: 'ResNet strikes back, procedure A1 (arXiv:2110.00476, table 1)',
};

function resnet(arch: string, featureDim: number, paramsMillions: number, gflops: number, trainMbPerImage: number): PretrainedConfig {
  return {
    arch,
    family: 'resnet',
    offered: true,
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

export const RESNET_PRETRAINED = {
  resnet18: resnet('resnet18', 512, 11.69, 1.82, 217),
  resnet34: resnet('resnet34', 512, 21.8, 3.67, 323),
  resnet50: resnet('resnet50', 2048, 25.56, 4.11, 938),
} satisfies Record<string, PretrainedConfig>;

export const RESNET_TEST = {
  'test-tiny-resnet': testCard('test-tiny-resnet', 'resnet', 8, 0.015),
  'test-tiny-resnet-os4': testCard('test-tiny-resnet-os4', 'resnet', 8, 0.015),
  'test-small-resnet': testCard('test-small-resnet', 'resnet', 128, 0.752),
} satisfies Record<string, ArchitectureCard>;
