import * as tf from '@tensorflow/tfjs';
import type { RunModelRef } from '../../shared/contract/model-host.ts';
import type { InferenceRuntime } from '../../shared/domain/runtime.ts';
import type { PreprocessConfig } from '../training/preprocess/preprocess.ts';
import { preprocessFor } from '../training/trainer/model.ts';
import { nhwcToNchw } from './held-out.ts';
import { type Predictor, type RunModel, loadRunModel } from './inference.ts';
import { type ConversionFiles, ONNX_FEATURES, ONNX_INPUT, ONNX_OUTPUT, conversionFiles, convertToOnnx, readConversion, writeConversion } from './onnx-conversion.ts';
import { OrtSession, ortThreads } from './ort-session.ts';

/** Largest |onnxruntime − TF.js| on probabilities (or features) a conversion may show to be used. */
export const RUNTIME_TOLERANCE = 1e-4;
/** Images of the first batch a fresh conversion is checked on. */
export const CHECK_IMAGES = 4;

export interface InferenceSetup {
  /** Test hook: the converter (a test forces a mismatch or an unloadable graph through it). */
  convert?: (m: RunModel) => Promise<Uint8Array>;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

/** Logits → probabilities: softmax per row, or a sigmoid per label for multi-label runs. */
export function toProbabilities(logits: ArrayLike<number>, k: number, multiLabel: boolean): Float32Array {
  const out = new Float32Array(logits.length);
  for (let r = 0; r < logits.length / k; r++) {
    let max = -Infinity;
    for (let c = r * k; c < (r + 1) * k; c++) max = Math.max(max, logits[c]);
    let sum = 0;
    for (let c = r * k; c < (r + 1) * k; c++) {
      out[c] = multiLabel ? 1 / (1 + Math.exp(-logits[c])) : Math.exp(logits[c] - max);
      sum += out[c];
    }
    if (!multiLabel) for (let c = r * k; c < (r + 1) * k; c++) out[c] /= sum;
  }
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return Number.isNaN(worst) ? Infinity : worst;
}

/** The TF.js model's logits for n preprocessed NHWC images (read asynchronously). */
export async function tfjsLogits(m: RunModel, pixels: Float32Array, n: number): Promise<Float32Array> {
  const s = m.preprocess.size;
  const logits = tf.tidy(() => m.model.backbone.forward(tf.tensor4d(pixels, [n, s, s, 3]), m.model.forwardOptions));
  try {
    return (await logits.data()) as Float32Array;
  } finally {
    logits.dispose();
  }
}

const quietLog = (line: string) => {
  if (!process.env.LABELTUNE_QUIET) process.stderr.write(`[model-host] ${line}\n`);
};

/**
 * A run's checkpoint for forward passes: on onnxruntime by default, through our ONNX exporter's
 * graph cached beside the checkpoint; on TF.js when LABELTUNE_INFERENCE=tfjs, and as the fallback
 * when the conversion disagrees with TF.js or onnxruntime fails — never a silently different answer.
 * The runtime is chosen at the first batch, whose first images check a fresh conversion.
 */
export class RunInference implements Predictor {
  readonly preprocess: PreprocessConfig;
  private ort: OrtSession | null = null;
  private tfjs: RunModel | null = null;
  private chosen: InferenceRuntime | null = null;
  private readonly log: (line: string) => void;

  constructor(
    readonly ref: RunModelRef,
    private readonly setup: InferenceSetup = {},
  ) {
    this.log = setup.log ?? quietLog;
    this.preprocess = preprocessFor(ref.config);
  }

  get classes(): number {
    return this.ref.config.classes.length;
  }

  /** The runtime in use (and why); null before the first batch. */
  get runtime(): InferenceRuntime | null {
    return this.chosen;
  }

  /** Probabilities of n preprocessed NHWC images, row-major [n, classes]. */
  async probabilities(pixels: Float32Array, n: number): Promise<Float32Array> {
    return toProbabilities(await this.logits(pixels, n), this.classes, this.ref.config.multiLabel);
  }

  async logits(pixels: Float32Array, n: number): Promise<Float32Array> {
    if (!this.chosen) await this.choose(pixels, n);
    if (this.ort) {
      try {
        return await this.ortLogits(this.ort, pixels, n);
      } catch (e) {
        await this.releaseOrt();
        await this.useTfjs(`onnxruntime failed during the job: ${(e as Error).message}`);
      }
    }
    return tfjsLogits(this.tfjs!, pixels, n);
  }

  /**
   * Logits and the pre-pool feature map (NCHW) of n images when onnxruntime runs the model; null when
   * TF.js does (the caller then uses the TF.js model, see tfjsModel).
   */
  async withFeatures(pixels: Float32Array, n: number): Promise<{ logits: Float32Array; features: Float32Array; dims: number[] } | null> {
    if (!this.chosen) await this.choose(pixels, n);
    if (!this.ort) return null;
    const s = this.ref.config.imageSize;
    try {
      const out = await this.ort.run(ONNX_INPUT, nhwcToNchw(pixels, n, s), [n, 3, s, s], [ONNX_OUTPUT, ONNX_FEATURES]);
      return { logits: out[ONNX_OUTPUT].data, features: out[ONNX_FEATURES].data, dims: out[ONNX_FEATURES].dims };
    } catch (e) {
      await this.releaseOrt();
      await this.useTfjs(`onnxruntime failed during the job: ${(e as Error).message}`);
      return null;
    }
  }

  /** The checkpoint in TF.js (loaded once), for what onnxruntime does not do: gradients (ViT's Grad-CAM). */
  tfjsModel(): Promise<RunModel> {
    return this.loadTfjs();
  }

  async dispose(): Promise<void> {
    await this.releaseOrt();
    this.tfjs?.dispose();
    this.tfjs = null;
  }

  private async choose(pixels: Float32Array, n: number): Promise<void> {
    const env = this.setup.env ?? process.env;
    if (env.LABELTUNE_INFERENCE === 'tfjs') return this.useTfjs(null, 'LABELTUNE_INFERENCE=tfjs');
    const threads = ortThreads(env);
    try {
      const files = conversionFiles(this.ref.checkpoint);
      const cached = readConversion(files);
      if (cached && 'stale' in cached) this.log(`${cached.stale}; converting the checkpoint again`);
      if (!cached || 'stale' in cached) return await this.convertAndCheck(files, pixels, n, threads);
      const { record, bytes } = cached;
      if (!bytes) return await this.useTfjs(`${record.reason} (recorded in ${files.record}; delete it to convert again)`);
      this.ort = await OrtSession.open(bytes, threads);
      const reason = `conversion cached beside the checkpoint, checked against TF.js on ${record.images} images (max difference ${record.maxAbsDiff!.toExponential(1)})`;
      this.chosen = { runtime: 'onnxruntime', threads, reason, fallback: null, conversion: 'cached', maxAbsDiff: record.maxAbsDiff };
    } catch (e) {
      await this.releaseOrt();
      await this.useTfjs(`onnxruntime failed: ${(e as Error).message}`);
    }
  }

  /** Convert with our exporter, compare with TF.js on the first images, record the outcome beside the checkpoint. */
  private async convertAndCheck(files: ConversionFiles, pixels: Float32Array, n: number, threads: number): Promise<void> {
    const m = await this.loadTfjs();
    let bytes: Uint8Array;
    try {
      bytes = await (this.setup.convert ?? ((r: RunModel) => convertToOnnx(r.model.backbone, r.model.adapters, `LabelTune inference graph of run ${r.runId}`)))(m);
    } catch (e) {
      return this.useTfjs(`our ONNX exporter could not convert the model: ${(e as Error).message}`);
    }
    const k = Math.min(n, CHECK_IMAGES);
    const sample = pixels.subarray(0, (k * pixels.length) / n);
    const multi = this.ref.config.multiLabel;
    const reference = toProbabilities(await tfjsLogits(m, sample, k), this.classes, multi);
    let session: OrtSession;
    let diff: number;
    try {
      session = await OrtSession.open(bytes, threads);
      diff = maxAbsDiff(toProbabilities(await this.ortLogits(session, sample, k), this.classes, multi), reference);
    } catch (e) {
      const reason = `onnxruntime could not run the converted graph: ${(e as Error).message}`;
      writeConversion(files, bytes, { images: k, maxAbsDiff: null, ok: false, reason });
      return this.useTfjs(reason);
    }
    const ok = diff < RUNTIME_TOLERANCE;
    const reason = ok ? null : `the converted graph's probabilities differ from TF.js's by up to ${diff} (tolerance ${RUNTIME_TOLERANCE}) on ${k} images`;
    writeConversion(files, bytes, { images: k, maxAbsDiff: Number.isFinite(diff) ? diff : null, ok, reason });
    if (!ok) {
      await session.release();
      return this.useTfjs(reason);
    }
    this.ort = session;
    this.tfjs?.dispose();
    this.tfjs = null;
    const why = `converted from the checkpoint and checked against TF.js on ${k} images (max difference ${diff.toExponential(1)})`;
    this.chosen = { runtime: 'onnxruntime', threads, reason: why, fallback: null, conversion: 'fresh', maxAbsDiff: diff };
  }

  private async ortLogits(session: OrtSession, pixels: Float32Array, n: number): Promise<Float32Array> {
    const s = this.ref.config.imageSize;
    const out = await session.run(ONNX_INPUT, nhwcToNchw(pixels, n, s), [n, 3, s, s], [ONNX_OUTPUT]);
    return out[ONNX_OUTPUT].data;
  }

  private async loadTfjs(): Promise<RunModel> {
    this.tfjs ??= await loadRunModel(this.ref);
    return this.tfjs;
  }

  /** TF.js from here on: as asked (`reason`), or as the fallback of a failure (logged and recorded). */
  private async useTfjs(fallback: string | null, reason = 'fallback: onnxruntime was not used'): Promise<void> {
    if (fallback) this.log(`run ${this.ref.runId}: inference falls back to TF.js: ${fallback}`);
    await this.loadTfjs();
    const prior = this.chosen;
    this.chosen = { runtime: 'tfjs', threads: null, reason, fallback, conversion: prior?.conversion ?? null, maxAbsDiff: prior?.maxAbsDiff ?? null };
  }

  private async releaseOrt(): Promise<void> {
    const s = this.ort;
    this.ort = null;
    await s?.release().catch(() => {});
  }
}
