import { notFound } from '../../../shared/contract/errors.ts';
import { type ArchitectureCard, type PretrainedConfig, PRETRAINED, architectureCard, pretrainedOf } from '../../../shared/architectures/index.ts';

/**
 * The pretrained table lives in shared/architectures (pure data the engine and the renderer read
 * too); this is the model host's view of it, with lookups that refuse unknown names.
 */
export { IMAGENET_MEAN, IMAGENET_STD, INCEPTION_MEAN, INCEPTION_STD, PRETRAINED } from '../../../shared/architectures/index.ts';
export type { ArchitectureCard, PretrainedConfig, PretrainingRecipe, Rgb, WeightSource } from '../../../shared/architectures/index.ts';

/** The pretrained configuration of `arch`, or a `not-found` error listing the known names. */
export function pretrainedConfig(arch: string): PretrainedConfig {
  const cfg = pretrainedOf(arch);
  if (!cfg) {
    throw notFound(`Unknown architecture "${arch}". Available: ${Object.keys(PRETRAINED).join(', ')}.`);
  }
  return cfg;
}

/** The card of any registered configuration (test configs included), or a `not-found` error. */
export function architectureConfig(arch: string): ArchitectureCard {
  const cfg = architectureCard(arch);
  if (!cfg) {
    throw notFound(`Unknown architecture "${arch}". Available: ${Object.keys(PRETRAINED).join(', ')}.`);
  }
  return cfg;
}

/** All pretrained configurations, in table order (small to large within each family). */
export function listPretrained(): PretrainedConfig[] {
  return Object.values(PRETRAINED);
}
