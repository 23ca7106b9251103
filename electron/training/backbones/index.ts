/** The backbones' public surface: the registry and the types. */
export { createBackbone, backboneEntry, isBackboneName, BACKBONES, BACKBONE_NAMES, type BackboneName, type BackboneEntry } from './registry.ts';
export type { BackboneBuildOptions } from './base.ts';
export { resamplePosEmbed } from './pos-embed.ts';
export type { Backbone, BackboneFamily, ForwardOptions } from './types.ts';
export { checkpointAdapter } from './adapt.ts';
