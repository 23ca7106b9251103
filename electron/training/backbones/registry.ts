import { validation } from '../../../shared/contract/errors.ts';
import type { BackboneBuildOptions } from './base.ts';
import type { BackboneLayout } from './layout.ts';
import { resnet } from './resnet/model.ts';
import type { Backbone, BackboneFamily } from './types.ts';
import { vit } from './vit/model.ts';

/** One registered architecture: its family, the family's config, how to build it and how to lay it out. */
export interface BackboneEntry {
  family: BackboneFamily;
  config: object;
  build(arch: string, opts: BackboneBuildOptions): Backbone;
  /** The parameters' names and shapes at these options, without allocating them. */
  layout(arch: string, opts: BackboneBuildOptions): BackboneLayout;
}

/**
 * timm name → builder. Adding an architecture of a known family is one line here; a new family
 * is one file (like resnet.ts) plus its lines here.
 */
export const BACKBONES = {
  resnet18: resnet({ block: 'basic', layers: [2, 2, 2, 2] }),
  resnet34: resnet({ block: 'basic', layers: [3, 4, 6, 3] }),
  resnet50: resnet({ block: 'bottleneck', layers: [3, 4, 6, 3] }),
  vit_tiny_patch16_224: vit({ patchSize: 16, embedDim: 192, depth: 12, numHeads: 3, mlpRatio: 4 }),
  vit_small_patch16_224: vit({ patchSize: 16, embedDim: 384, depth: 12, numHeads: 6, mlpRatio: 4 }),
  vit_base_patch16_224: vit({ patchSize: 16, embedDim: 768, depth: 12, numHeads: 12, mlpRatio: 4 }),
} satisfies Record<string, BackboneEntry>;

/**
 * Tiny configs of the same classes, for tests and smoke runs of the whole pipeline (CLI, model
 * host, resume) in a second; never offered in the UI's model list, never pretrained.
 */
export const TEST_BACKBONES = {
  'test-tiny-resnet': resnet({ block: 'basic', layers: [1, 1, 1, 1], widths: [8, 8, 8, 8], stemWidth: 8 }),
  'test-tiny-vit': vit({ patchSize: 8, embedDim: 16, depth: 2, numHeads: 2, mlpRatio: 2 }),
} satisfies Record<string, BackboneEntry>;

export type BackboneName = keyof typeof BACKBONES;

export const BACKBONE_NAMES = Object.keys(BACKBONES) as BackboneName[];

/** Every registered name, the test configs included. */
export const REGISTERED_NAMES = [...BACKBONE_NAMES, ...Object.keys(TEST_BACKBONES)];

export function isBackboneName(name: string): name is BackboneName {
  return Object.hasOwn(BACKBONES, name);
}

export function backboneEntry(name: string): BackboneEntry {
  if (Object.hasOwn(TEST_BACKBONES, name)) return TEST_BACKBONES[name as keyof typeof TEST_BACKBONES];
  if (!isBackboneName(name)) {
    throw validation(`Unknown model architecture "${name}". Available: ${BACKBONE_NAMES.join(', ')}.`);
  }
  return BACKBONES[name];
}

function buildOptions(opts: Partial<BackboneBuildOptions>): BackboneBuildOptions {
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

/** Build a randomly initialised backbone (timm's init); load weights into it afterwards. */
export function createBackbone(name: string, opts: Partial<BackboneBuildOptions> = {}): Backbone {
  return backboneEntry(name).build(name, buildOptions(opts));
}

/** The parameters `createBackbone(name, opts)` would allocate, as names and shapes only. */
export function backboneLayout(name: string, opts: Partial<BackboneBuildOptions> = {}): BackboneLayout {
  return backboneEntry(name).layout(name, buildOptions(opts));
}
