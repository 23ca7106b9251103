import type { BackboneBuildOptions } from './base.ts';
import { type ArchitectureConfig, BACKBONE_CONFIGS, type BackboneName, buildOptions, configOf } from './configs.ts';
import type { BackboneLayout } from './layout.ts';
import { ResNet } from './resnet/model.ts';
import type { Backbone, BackboneFamily } from './types.ts';
import { ViT } from './vit/model.ts';

export { BACKBONE_NAMES, REGISTERED_NAMES, backboneLayout, isBackboneName, type BackboneName } from './configs.ts';

/** One registered architecture: its family, the family's config, how to build it and how to lay it out. */
export interface BackboneEntry {
  family: BackboneFamily;
  config: object;
  build(arch: string, opts: BackboneBuildOptions): Backbone;
}

function entry(a: ArchitectureConfig): BackboneEntry {
  if (a.family === 'resnet') return { ...a, build: (arch, opts) => new ResNet(arch, a.config, opts) };
  return { ...a, build: (arch, opts) => new ViT(arch, a.config, opts) };
}

/** timm name → builder, from configs.ts (a new family is a folder like resnet/ plus its lines there). */
export const BACKBONES = Object.fromEntries(Object.entries(BACKBONE_CONFIGS).map(([name, a]) => [name, entry(a)])) as Record<BackboneName, BackboneEntry>;

export function backboneEntry(name: string): BackboneEntry {
  return entry(configOf(name));
}

/** Build a randomly initialised backbone (timm's init); load weights into it afterwards. */
export function createBackbone(name: string, opts: Partial<BackboneBuildOptions> = {}): Backbone {
  return backboneEntry(name).build(name, buildOptions(opts));
}

export type { BackboneLayout };
