import { notFound } from '../contract/errors.ts';
import { RESNET_PRETRAINED, RESNET_TEST } from './resnet.ts';
import type { ArchitectureCard, PretrainedConfig } from './types.ts';
import { VIT_PRETRAINED, VIT_TEST } from './vit.ts';

export * from './types.ts';

/** Every architecture LabelTune can fine-tune, keyed by timm name, small to large within each family. */
export const PRETRAINED: Readonly<Record<string, PretrainedConfig>> = { ...RESNET_PRETRAINED, ...VIT_PRETRAINED };

/** Every registered configuration: the pretrained ones and the tiny test configs. */
export const ARCHITECTURES: Readonly<Record<string, ArchitectureCard>> = { ...PRETRAINED, ...RESNET_TEST, ...VIT_TEST };

/** The card of a registered name, or undefined. */
export function architectureCard(arch: string): ArchitectureCard | undefined {
  return Object.hasOwn(ARCHITECTURES, arch) ? ARCHITECTURES[arch] : undefined;
}

/** The pretrained configuration of `arch`, or undefined (unknown, or a test config). */
export function pretrainedOf(arch: string): PretrainedConfig | undefined {
  return Object.hasOwn(PRETRAINED, arch) ? PRETRAINED[arch] : undefined;
}

/** The pretrained configuration of `arch`, or a `not-found` error listing the known names. */
export function pretrainedConfig(arch: string): PretrainedConfig {
  const cfg = pretrainedOf(arch);
  if (!cfg) throw notFound(`Unknown architecture "${arch}". Available: ${Object.keys(PRETRAINED).join(', ')}.`);
  return cfg;
}

/** All pretrained configurations, in table order (small to large within each family). */
export function listPretrained(): PretrainedConfig[] {
  return Object.values(PRETRAINED);
}

/** The architectures the app offers, in table order. */
export function offeredArchitectures(): PretrainedConfig[] {
  return Object.values(PRETRAINED).filter((c) => c.offered);
}
