import * as tf from '@tensorflow/tfjs';
import { EngineError, validation } from '../../shared/contract/errors.ts';
import type { InferenceImage, RunModelRef } from '../../shared/contract/model-host.ts';
import type { RunConfig } from '../../shared/domain/run.ts';
import { decodeFile } from '../imaging/decode/index.ts';
import { selectBackend } from '../training/backends/ladder.ts';
import { type PreprocessConfig, preprocessImage } from '../training/preprocess/preprocess.ts';
import { preprocessFor } from '../training/trainer/model.ts';
import { type TrainedModel, loadTrainedModel } from '../training/trainer/trained-model.ts';

export type { InferenceImage } from '../../shared/contract/model-host.ts';

export interface InferenceOptions {
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
  /** Called between batches; throws to stop (a job's throwIfCancelled). */
  checkCancelled?: () => void;
}

/** A run's model loaded for inference, with the preprocessing it was trained with. */
export interface RunModel {
  runId: number;
  config: RunConfig;
  model: TrainedModel;
  preprocess: PreprocessConfig;
  dispose(): void;
}

let backendReady: Promise<unknown> | null = null;

/** Pick the TF.js backend once per process (the run's rung when it names one). */
export function ensureBackend(config: RunConfig): Promise<unknown> {
  backendReady ??= selectBackend({ prefer: (config.backend ?? undefined) as never, log: () => {} });
  return backendReady;
}

/** Load a run's checkpoint, as the engine named it (LoRA merged, adapters as hooks). */
export async function loadRunModel(ref: RunModelRef): Promise<RunModel> {
  await ensureBackend(ref.config);
  const model = await loadTrainedModel(ref.checkpoint, ref.config);
  return {
    runId: ref.runId,
    config: ref.config,
    model,
    preprocess: preprocessFor(ref.config),
    dispose() {
      model.backbone.dispose();
      model.adapters?.dispose();
    },
  };
}

/** Decode and preprocess one image; a file that cannot be read is a validation error naming it. */
export async function preparedPixels(image: InferenceImage, config: PreprocessConfig): Promise<Float32Array> {
  try {
    const { frames } = await decodeFile(image.path, { frame: image.frame });
    return preprocessImage(frames[0], config);
  } catch (e) {
    if (e instanceof EngineError) throw validation(`${image.path} (image ${image.id}): ${e.message}`);
    throw validation(`${image.path} (image ${image.id}) could not be read: ${(e as Error).message}. Restore the file or exclude the image.`);
  }
}

/** Model output → probabilities: softmax over classes, or a sigmoid per label for multi-label runs. */
export async function probabilities(m: RunModel, pixels: Float32Array, n: number): Promise<Float32Array> {
  const s = m.preprocess.size;
  const probs = tf.tidy(() => {
    const x = tf.tensor4d(pixels, [n, s, s, 3]);
    const logits = m.model.backbone.forward(x, m.model.forwardOptions);
    return m.config.multiLabel ? tf.sigmoid(logits) : tf.softmax(logits);
  });
  const values = (await probs.data()) as Float32Array; // async: webgpu cannot read synchronously
  probs.dispose();
  return values;
}

/** What batched prediction needs of a model: its preprocessing, and probabilities for a batch. */
export interface Predictor {
  preprocess: PreprocessConfig;
  /** Probabilities of n preprocessed NHWC images, row-major [n, classes]. */
  probabilities(pixels: Float32Array, n: number): Promise<Float32Array>;
}

/** A loaded TF.js model as a Predictor (tests, and parity references). */
export function tfjsPredictor(m: RunModel): Predictor {
  return { preprocess: m.preprocess, probabilities: async (pixels, n) => probabilities(m, pixels, n) };
}

/**
 * Batch size by image size: activation memory grows with the pixel count, so 16 images at 224 px,
 * up to 32 small ones, fewer large ones.
 */
export function inferenceBatchSize(size: number): number {
  return Math.max(1, Math.min(32, Math.floor((16 * 224 * 224) / (size * size))));
}

/**
 * Batched inference over images: each image is decoded and preprocessed once. Returns one
 * probability row per image, in the order given.
 */
export async function predictImages(m: Predictor, images: InferenceImage[], opts: InferenceOptions = {}): Promise<number[][]> {
  const batchSize = opts.batchSize ?? inferenceBatchSize(m.preprocess.size);
  const per = m.preprocess.size * m.preprocess.size * 3;
  const out: number[][] = [];
  for (let start = 0; start < images.length; start += batchSize) {
    opts.checkCancelled?.();
    const batch = images.slice(start, start + batchSize);
    const pixels = new Float32Array(batch.length * per);
    for (let i = 0; i < batch.length; i++) pixels.set(await preparedPixels(batch[i], m.preprocess), i * per);
    const probs = await m.probabilities(pixels, batch.length);
    const k = probs.length / batch.length;
    for (let i = 0; i < batch.length; i++) out.push(Array.from(probs.subarray(i * k, (i + 1) * k)));
    opts.onProgress?.(out.length, images.length);
  }
  return out;
}
