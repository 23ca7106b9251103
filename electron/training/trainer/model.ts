import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../../../shared/domain/run.ts';
import { createBackbone } from '../backbones/index.ts';
import { architectureConfig } from '../backbones/pretrained.ts';
import type { Backbone } from '../backbones/types.ts';
import type { StrategyOptions } from '../finetune/strategies.ts';
import type { PreprocessConfig } from '../preprocess/preprocess.ts';
import { preprocessConfigFor } from '../preprocess/preprocess.ts';
import type { HostTensor } from '../weights/layout.ts';
import { loadWeights } from '../weights/load-weights.ts';
import { SafetensorsFile } from '../../weights/safetensors.ts';

/** The strategy options a run's config implies: the same in the trainer, the plan and the model loader. */
export function strategyOptions(config: RunConfig): StrategyOptions {
  return {
    gradualEvery: config.gradualEvery,
    gradual: config.unfreezeShare === undefined ? undefined : { share: config.unfreezeShare, epochs: config.epochs },
    lora: { seed: config.seed },
    adapter: config.adapterShare === undefined ? { seed: config.seed, reduction: 16 } : { seed: config.seed, targetShare: config.adapterShare },
  };
}

/** Build the run's backbone with a fresh head for the project's classes and load its weights. */
export async function buildBackbone(config: RunConfig): Promise<Backbone> {
  const numClasses = config.classes.length;
  // The seed fixes the new head's initialisation: the same seed gives the same run.
  const backbone = createBackbone(config.backbone, { numClasses, imageSize: config.imageSize, seed: config.seed });
  if (!config.weights) return backbone;
  const file = await SafetensorsFile.open(config.weights);
  try {
    const adapt = backbone.adaptWeight?.bind(backbone);
    await loadWeights(backbone, file, {
      strict: true,
      adapt: adapt ? (name, t, expected) => adaptHost(adapt, name, t, expected) : undefined,
    });
  } catch (e) {
    backbone.dispose();
    throw e;
  } finally {
    await file.close();
  }
  return backbone;
}

/** Bridge loadWeights' host tensors to the backbone's tensor-based adaptWeight (ViT pos_embed resampling). */
async function adaptHost(
  adapt: NonNullable<Backbone['adaptWeight']>,
  name: string,
  t: HostTensor,
  expected: number[],
): Promise<HostTensor | null> {
  const out = adapt(name, tf.tensor(t.data, t.shape));
  if (!out || out.shape.join('x') !== expected.join('x')) return null;
  const data = (await out.data()) as Float32Array;
  const shape = out.shape;
  out.dispose();
  return { shape, data };
}

/** The preprocessing of the backbone's pretrained weights, at the run's input size and resize mode. */
export function preprocessFor(config: RunConfig): PreprocessConfig {
  // Configs written before resize modes existed (and partial ones) centre-crop, as they always did.
  const resize = config.resize ?? 'crop';
  return preprocessConfigFor(architectureConfig(config.backbone), { size: config.imageSize, resize });
}
