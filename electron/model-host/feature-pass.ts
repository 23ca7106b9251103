import * as tf from '@tensorflow/tfjs';
import type { InferenceRuntime } from '../../shared/domain/runtime.ts';
import { type Cut, INPUT_CUT, isInputCut } from '../training/backbones/arch-graph.ts';
import type { Backbone } from '../training/backbones/types.ts';
import type { FineTuner, TrainData } from '../training/finetune/loop.ts';
import { nhwcToNchw } from './held-out.ts';
import { inferenceBatchSize } from './inference.ts';
import { ONNX_FEATURES, ONNX_INPUT, convertToOnnx } from './onnx-conversion.ts';
import { OrtSession, ortThreads } from './ort-session.ts';
import { CHECK_IMAGES, RUNTIME_TOLERANCE, maxAbsDiff } from './run-inference.ts';

export interface FeaturePassOptions {
  onProgress(done: number, total: number): void;
  /** Awaited between batches: holds while paused, throws when cancelled. */
  gate(): Promise<void>;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** Test hook: the converter (a test forces a mismatch through it). */
  convert?: (backbone: Backbone) => Promise<Uint8Array>;
}

/** [N, C, H, W] → [N, H, W, C], the layout of TF.js's feature maps. */
export function nchwToNhwc(data: Float32Array, [n, c, h, w]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  const hw = h * w;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) for (let p = 0; p < hw; p++) out[(b * hw + p) * c + ch] = data[(b * c + ch) * hw + p];
  }
  return out;
}

const tfjsRuntime = (reason: string, fallback: string | null, maxDiff: number | null = null): InferenceRuntime => ({ runtime: 'tfjs', threads: null, reason, fallback, conversion: null, maxAbsDiff: maxDiff });

/**
 * The frozen-feature pass on onnxruntime: when the first epoch starts from a frozen prefix (`top`:
 * everything before the last ResNet block's last convolution, or before the last ViT block;
 * `linear` and the first epochs of gradual unfreezing: the whole body), the training backbone is
 * converted with our exporter, what enters the network at the loop's cut (FineTuner.frozenCut)
 * taken from the graph, checked against TF.js on the first images, and run once over every image
 * not cached yet; the outputs fill the feature cache, so TF.js only runs the layers that train.
 * Returns the runtime that computed the features, or null when the loop has nothing to cache up front (augmentation on, no frozen prefix, or every feature on disk already). On a mismatch or an onnxruntime failure
 * the loop computes what is missing with TF.js, as before, and the fallback is returned.
 */
export async function precomputeFeatures(tuner: FineTuner, opts: FeaturePassOptions): Promise<InferenceRuntime | null> {
  const b = tuner.backbone;
  const cut = tuner.frozenCut(tuner.state.epoch);
  if (tuner.config.augment || isInputCut(cut)) return null;
  const square = (d: TrainData) => !d.imageShape || (d.imageShape[0] === b.imageSize && d.imageShape[1] === b.imageSize);
  const todo = [tuner.train, tuner.val].filter(square).map((d) => ({ d, ids: tuner.cache.missing(cut, d.ids) }));
  const total = todo.reduce((a, t) => a + t.ids.length, 0);
  if (total === 0) return null;
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((line: string) => void (!process.env.LABELTUNE_QUIET && process.stderr.write(`[model-host] ${line}\n`)));
  if (env.LABELTUNE_INFERENCE === 'tfjs') return tfjsRuntime('LABELTUNE_INFERENCE=tfjs', null);
  const threads = ortThreads(env);
  const fallback = (why: string, diff: number | null = null) => {
    log(`frozen features fall back to TF.js: ${why}`);
    return tfjsRuntime('fallback: onnxruntime was not used', why, diff);
  };
  let session: OrtSession;
  try {
    session = await OrtSession.open(await (opts.convert ?? ((x: Backbone) => convertToOnnx(x, null, `LabelTune frozen features of ${x.arch}`, cut)))(b), threads);
  } catch (e) {
    return fallback(`onnxruntime could not load the converted backbone: ${(e as Error).message}`);
  }
  try {
    const first = todo.find((t) => t.ids.length > 0)!;
    const sample = first.ids.slice(0, CHECK_IMAGES);
    const reference = await tfjsFeatures(b, cut, stack(first.d, sample, b.imageSize), sample.length);
    const checked = await ortFeatures(session, stack(first.d, sample, b.imageSize), sample.length, b.imageSize);
    const diff = maxAbsDiff(checked.data, reference);
    // Feature maps are not probabilities: the tolerance scales with their largest value.
    const scale = Math.max(1, largestMagnitude(reference));
    if (!(diff < RUNTIME_TOLERANCE * scale)) {
      return fallback(`the converted backbone's features differ from TF.js's by up to ${diff} (tolerance ${RUNTIME_TOLERANCE} × ${scale.toPrecision(3)}) on ${sample.length} images`, Number.isFinite(diff) ? diff : null);
    }
    let done = 0;
    const batch = inferenceBatchSize(b.imageSize);
    for (const { d, ids } of todo) {
      for (let i = 0; i < ids.length; i += batch) {
        await opts.gate();
        const part = ids.slice(i, i + batch);
        const out = await ortFeatures(session, stack(d, part, b.imageSize), part.length, b.imageSize);
        tuner.cache.put(cut, part, out.data, out.rowShape);
        opts.onProgress((done += part.length), total);
      }
    }
    const reason = `frozen features of ${total} images computed once by the converted backbone, checked against TF.js on ${sample.length} images (max difference ${diff.toExponential(1)})`;
    return { runtime: 'onnxruntime', threads, reason, fallback: null, conversion: 'fresh', maxAbsDiff: diff };
  } catch (e) {
    if ((e as { code?: string }).code === 'cancelled') throw e;
    return fallback(`onnxruntime failed: ${(e as Error).message}`);
  } finally {
    await session.release();
  }
}

/** A loop, not `Math.max(...values)`: a 224 px feature map has more values than a call's arguments can hold. */
export function largestMagnitude(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
  return m;
}

function stack(d: TrainData, ids: number[], size: number): Float32Array {
  const per = size * size * 3;
  const out = new Float32Array(ids.length * per);
  ids.forEach((id, j) => out.set(d.pixels(id), j * per));
  return out;
}

async function tfjsFeatures(b: Backbone, cut: Cut, pixels: Float32Array, n: number): Promise<Float32Array> {
  const out = tf.tidy(() => b.runBetween(tf.tensor4d(pixels, [n, b.imageSize, b.imageSize, 3]), INPUT_CUT, cut, { training: false }));
  try {
    return (await out.data()) as Float32Array;
  } finally {
    out.dispose();
  }
}

/** The converted backbone's features at the cut, in TF.js's layout, with the shape of one image's row. */
async function ortFeatures(session: OrtSession, pixels: Float32Array, n: number, size: number): Promise<{ data: Float32Array; rowShape: number[] }> {
  const out = (await session.run(ONNX_INPUT, nhwcToNchw(pixels, n, size), [n, 3, size, size], [ONNX_FEATURES]))[ONNX_FEATURES];
  if (out.dims.length !== 4) return { data: out.data, rowShape: out.dims.slice(1) };
  const [, c, h, w] = out.dims;
  return { data: nchwToNhwc(out.data, out.dims), rowShape: [h, w, c] };
}
