/** The backbones' public surface: the registry and the types. */
export {
  createBackbone,
  backboneLayout,
  backboneEntry,
  isBackboneName,
  BACKBONES,
  BACKBONE_NAMES,
  REGISTERED_NAMES,
  type BackboneName,
  type BackboneEntry,
} from './registry.ts';
export { TEST_CONFIGS, configOf, type ArchitectureConfig } from './configs.ts';
export type { BackboneLayout, ParamShapes } from './layout.ts';
export type { BackboneBuildOptions } from './base.ts';
export { resamplePosEmbed } from './vit/pos-embed.ts';
export type { Backbone, BackboneFamily, ForwardOptions } from './types.ts';
export { checkpointAdapter } from './adapt.ts';
