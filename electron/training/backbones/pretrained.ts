import { notFound } from '../../../shared/contract/errors.ts';
import { type ArchitectureCard, PRETRAINED, architectureCard } from '../../../shared/architectures/index.ts';

/**
 * The pretrained table lives in shared/architectures (pure data the engine and the renderer read
 * too); this is the model host's view of it, with lookups that refuse unknown names.
 */
export { IMAGENET_MEAN, IMAGENET_STD, INCEPTION_MEAN, INCEPTION_STD, PRETRAINED, listPretrained, pretrainedConfig } from '../../../shared/architectures/index.ts';
export type { ArchitectureCard, PretrainedConfig, PretrainingRecipe, Rgb, WeightSource } from '../../../shared/architectures/index.ts';

/** The card of any registered configuration (test configs included), or a `not-found` error. */
export function architectureConfig(arch: string): ArchitectureCard {
  const cfg = architectureCard(arch);
  if (!cfg) {
    throw notFound(`Unknown architecture "${arch}". Available: ${Object.keys(PRETRAINED).join(', ')}.`);
  }
  return cfg;
}
