import type { LoopConfig } from '../loop.ts';

/**
 * A loop configuration that makes the tiny nets learn the synthetic data in a few steps. The body's
 * top group learns at lr × layerDecay unless `bodyLr` is given (one decay step below the head).
 */
export const baseConfig = (over: Partial<LoopConfig> = {}): LoopConfig => ({
  bodyLr: (over.lr ?? 5e-2) * (over.layerDecay ?? 0.5),
  epochs: 4,
  batchSize: 8,
  seed: 42,
  lr: 5e-2,
  layerDecay: 0.5,
  weightDecay: 1e-4,
  warmupFraction: 0.1,
  numClasses: 3,
  multiLabel: false,
  classWeights: null,
  labelSmoothing: 0,
  aux: null,
  augment: null,
  patience: 0,
  cacheDir: null,
  ...over,
});
