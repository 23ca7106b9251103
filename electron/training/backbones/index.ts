/** The backbones' public surface: the registry and the types. */
export {
  createBackbone,
  backboneLayout,
  backboneEntry,
  isBackboneName,
  BACKBONES,
  BACKBONE_NAMES,
  TEST_BACKBONES,
  REGISTERED_NAMES,
  type BackboneName,
  type BackboneEntry,
} from './registry.ts';
export type { BackboneLayout, ParamShapes } from './layout.ts';
export type { BackboneBuildOptions } from './base.ts';
export { resamplePosEmbed } from './vit/pos-embed.ts';
export type { Backbone, BackboneFamily, ForwardOptions } from './types.ts';
export { checkpointAdapter } from './adapt.ts';
