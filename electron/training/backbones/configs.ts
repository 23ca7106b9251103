import { validation } from '../../../shared/contract/errors.ts';
import { type BackboneBuildOptions, type BackboneLayout } from './layout.ts';
import type { ArchGraph } from './arch-graph.ts';
import { resnetGraph } from './resnet/graph.ts';
import { type ResNetConfig, resnetLayout } from './resnet/layout.ts';
import { vitGraph } from './vit/graph.ts';
import { type ViTConfig, vitLayout } from './vit/layout.ts';

/**
 * Every registered architecture as data: its family and the family's knobs. Laying one out needs
 * no TensorFlow (the plan and the weights check count and compare shapes from here); building it
 * is registry.ts's business.
 */
export type ArchitectureConfig = { family: 'resnet'; config: ResNetConfig } | { family: 'vit'; config: ViTConfig };

const resnet = (config: ResNetConfig) => ({ family: 'resnet', config }) as const;
const vit = (config: ViTConfig) => ({ family: 'vit', config }) as const;

/** timm name → config. Adding an architecture of a known family is one line here. */
export const BACKBONE_CONFIGS = {
  resnet18: resnet({ block: 'basic', layers: [2, 2, 2, 2] }),
  resnet34: resnet({ block: 'basic', layers: [3, 4, 6, 3] }),
  resnet50: resnet({ block: 'bottleneck', layers: [3, 4, 6, 3] }),
  vit_tiny_patch16_224: vit({ patchSize: 16, embedDim: 192, depth: 12, numHeads: 3, mlpRatio: 4 }),
  vit_small_patch16_224: vit({ patchSize: 16, embedDim: 384, depth: 12, numHeads: 6, mlpRatio: 4 }),
  vit_base_patch16_224: vit({ patchSize: 16, embedDim: 768, depth: 12, numHeads: 12, mlpRatio: 4 }),
} satisfies Record<string, ArchitectureConfig>;

/**
 * Tiny configs of the same classes, for tests and smoke runs of the whole pipeline (CLI, model
 * host, resume) in a second; never offered in the UI's model list, never pretrained.
 */
export const TEST_CONFIGS = {
  'test-tiny-resnet': resnet({ block: 'basic', layers: [1, 1, 1, 1], widths: [8, 8, 8, 8], stemWidth: 8 }),
  // Output stride 4 (no stage downsamples): a 64 px image ends in a 16×16 map, fine enough for Grad-CAM's tests.
  'test-tiny-resnet-os4': resnet({ block: 'basic', layers: [1, 1, 1, 1], widths: [8, 8, 8, 8], stemWidth: 8, strides: [1, 1, 1, 1] }),
  'test-tiny-vit': vit({ patchSize: 8, embedDim: 16, depth: 2, numHeads: 2, mlpRatio: 2 }),
  // The transfer experiment's networks (finetune/transfer/): large enough that features learned on
  // 30,000 Fashion-MNIST images are worth something to the next task, small enough to pretrain in
  // CI in about two minutes (32 px for the ResNet, 16 px for the ViT).
  'test-small-resnet': resnet({ block: 'basic', layers: [1, 1, 1, 1], widths: [32, 64, 128, 128], stemWidth: 32 }),
  'test-small-vit': vit({ patchSize: 4, embedDim: 32, depth: 2, numHeads: 2, mlpRatio: 2 }),
} satisfies Record<string, ArchitectureConfig>;

export type BackboneName = keyof typeof BACKBONE_CONFIGS;

export const BACKBONE_NAMES = Object.keys(BACKBONE_CONFIGS) as BackboneName[];

/** Every registered name, the test configs included. */
export const REGISTERED_NAMES = [...BACKBONE_NAMES, ...Object.keys(TEST_CONFIGS)];

export function isBackboneName(name: string): name is BackboneName {
  return Object.hasOwn(BACKBONE_CONFIGS, name);
}

/** The config of a registered name; an unknown one is refused with the list of known names. */
export function configOf(name: string): ArchitectureConfig {
  if (Object.hasOwn(TEST_CONFIGS, name)) return TEST_CONFIGS[name as keyof typeof TEST_CONFIGS];
  if (!isBackboneName(name)) {
    throw validation(`Unknown model architecture "${name}". Available: ${BACKBONE_NAMES.join(', ')}.`);
  }
  return BACKBONE_CONFIGS[name];
}

/** Class count and image size checked, defaults filled (1000 classes, 224 px). */
export function buildOptions(opts: Partial<BackboneBuildOptions>): BackboneBuildOptions {
  const numClasses = opts.numClasses ?? 1000;
  const imageSize = opts.imageSize ?? 224;
  if (!Number.isInteger(numClasses) || numClasses < 0) {
    throw validation(`The number of classes must be a whole number ≥ 0, got ${numClasses}.`);
  }
  if (!Number.isInteger(imageSize) || imageSize < 16) {
    throw validation(`The image size must be a whole number of pixels ≥ 16, got ${imageSize}.`);
  }
  return { numClasses, imageSize, seed: opts.seed };
}

/** The parameters `createBackbone(name, opts)` would allocate, as names and shapes only. */
export function backboneLayout(name: string, opts: Partial<BackboneBuildOptions> = {}): BackboneLayout {
  const a = configOf(name);
  const o = buildOptions(opts);
  return a.family === 'resnet' ? resnetLayout(name, a.config, o) : vitLayout(name, a.config, o);
}

/** What `createBackbone(name, { imageSize })` computes, as data: the exporters emit it. */
export function backboneGraph(name: string, imageSize: number): ArchGraph {
  const a = configOf(name);
  return a.family === 'resnet' ? resnetGraph(a.config) : vitGraph(a.config, imageSize);
}
