import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { EngineError, unsupported, validation } from '../../shared/contract/errors.ts';
import { RESIZE_MODES, type ResizeMode } from '../../shared/domain/run.ts';
import { findNonFinite } from '../training/backbones/finite.ts';
import { folderLoader } from '../training/export/tfjs/index.ts';
import { type PreprocessConfig, preprocessImage } from '../training/preprocess/preprocess.ts';
import { decodeFile } from '../imaging/decode/index.ts';
import type { ExportPredictions } from '../../shared/contract/model-host.ts';
import { selectBackend } from '../training/backends/ladder.ts';
import type { InferenceRuntime } from '../../shared/domain/runtime.ts';
import { nhwcToNchw } from './held-out.ts';
import { OrtSession, ortThreads } from './ort-session.ts';
import { toProbabilities } from './run-inference.ts';

/** What `labeltune predict` needs from an export folder's preprocessing.json. */
export interface ExportPreprocessing {
  /** onnx exports run on onnxruntime, tfjs ones on TF.js. */
  format: 'onnx' | 'tfjs';
  config: PreprocessConfig;
  classes: string[];
  multiLabel: boolean;
}

/** Image files by extension (DICOM files often have none); other files in a folder are skipped. */
const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.bmp', '.webp', '.gif', '.dcm', '.dicom', '']);

/** Read preprocessing.json; a folder that is not a TF.js or ONNX export gets an error saying what to export. */
export function readExportFolder(dir: string): ExportPreprocessing {
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) throw validation(`${abs} is not a folder. Give the folder written by "labeltune export --format onnx" or "--format tfjs".`);
  const format = existsSync(join(abs, 'model.json')) ? 'tfjs' : existsSync(join(abs, 'model.onnx')) ? 'onnx' : null;
  if (!format) {
    if (readdirSync(abs).some((f) => f.endsWith('.safetensors'))) throw unsupported(`${abs} holds a safetensors export; "labeltune predict" runs ONNX and TF.js exports. Export the run again with --format onnx.`);
    throw validation(`${join(abs, 'model.json')} is missing (and so is model.onnx). Give the folder written by "labeltune export --format onnx" or "--format tfjs".`);
  }
  const file = join(abs, 'preprocessing.json');
  if (!existsSync(file)) throw validation(`${file} is missing: without it the images cannot be prepared as in training. Export the run again.`);
  const p = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const classes = p.classes;
  if (typeof p.inputSize !== 'number' || !Array.isArray(classes) || !Array.isArray(p.mean) || p.mean.length !== 3 || !Array.isArray(p.std) || p.std.length !== 3) {
    throw validation(`${file} lacks inputSize, mean, std or classes; it was not written by LabelTune. Export the run again.`);
  }
  // Exports written before the pad mode existed have no `resize`: they were cropped.
  const resize = p.resize ?? 'crop';
  if (!(RESIZE_MODES as readonly unknown[]).includes(resize)) {
    throw validation(`${file}: resize is "${String(resize)}"; this version knows ${RESIZE_MODES.join(' and ')}. Update LabelTune or export the run again.`);
  }
  return {
    format,
    config: {
      size: p.inputSize,
      cropPct: typeof p.cropPct === 'number' ? p.cropPct : 1,
      resize: resize as ResizeMode,
      mean: p.mean as unknown as PreprocessConfig['mean'],
      std: p.std as unknown as PreprocessConfig['std'],
      interpolation: p.interpolation === 'bicubic' ? 'bicubic' : 'bilinear',
      window: (p.window as PreprocessConfig['window']) ?? null,
    },
    classes: classes as string[],
    multiLabel: p.multiLabel === true,
  };
}

/** Files named on the command line, folders expanded (recursively) to their image files, sorted. */
export function expandPaths(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths.map((x) => resolve(x))) {
    if (!existsSync(p)) throw validation(`${p} does not exist.`);
    if (!statSync(p).isDirectory()) {
      out.push(p);
      continue;
    }
    const inside = (readdirSync(p, { recursive: true }) as string[]).map((f) => join(p, f));
    out.push(...inside.filter((f) => statSync(f).isFile() && IMAGE_EXTENSIONS.has(extname(f).toLowerCase())).sort());
  }
  return out;
}

async function pixelsOf(path: string, config: PreprocessConfig): Promise<Float32Array | string> {
  try {
    const { frames } = await decodeFile(path);
    const pixels = preprocessImage(frames[0], config);
    // Float images (TIFF, DICOM) can hold NaN or Inf; the model would turn them into garbage.
    const { count, first } = findNonFinite(pixels);
    if (count === 0) return pixels;
    return `${count} of ${pixels.length} pixel values are NaN or Inf after preprocessing (first at index ${first}); the image's pixel data is not finite.`;
  } catch (e) {
    return e instanceof EngineError ? e.message : `could not be read: ${(e as Error).message}`;
  }
}

/** An export folder's model: logits of a batch of preprocessed NHWC images, and the runtime running it. */
interface ExportRunner {
  runtime: InferenceRuntime;
  logits(data: Float32Array, n: number): Promise<number[][]>;
  dispose(): Promise<void>;
}

async function onnxRunner(dir: string, s: number): Promise<ExportRunner> {
  const file = join(resolve(dir), 'model.onnx');
  const threads = ortThreads();
  let session: OrtSession;
  try {
    session = await OrtSession.open(new Uint8Array(readFileSync(file)), threads);
  } catch (e) {
    throw validation(`${file} could not be loaded by onnxruntime: ${(e as Error).message}. Export the run again with --format onnx.`);
  }
  const k = (data: Float32Array, n: number) => session.run(session.inputNames[0], nhwcToNchw(data, n, s), [n, 3, s, s], [session.outputNames[0]]);
  return {
    runtime: { runtime: 'onnxruntime', threads, reason: 'an ONNX export runs on onnxruntime', fallback: null, conversion: null, maxAbsDiff: null },
    async logits(data, n) {
      const out = (await k(data, n))[session.outputNames[0]].data;
      const c = out.length / n;
      return Array.from({ length: n }, (_, i) => Array.from(out.subarray(i * c, (i + 1) * c)));
    },
    dispose: () => session.release(),
  };
}

async function tfjsRunner(dir: string, s: number): Promise<ExportRunner> {
  const backend = await selectBackend({ log: () => {} });
  const graph = await tf.loadGraphModel(folderLoader(resolve(dir)));
  return {
    runtime: { runtime: 'tfjs', threads: null, reason: `a TF.js export runs on TF.js (${backend.backend}); an ONNX export of the run would run on onnxruntime`, fallback: null, conversion: null, maxAbsDiff: null },
    async logits(data, n) {
      const logits = tf.tidy(() => graph.predict(tf.tensor4d(data, [n, s, s, 3])) as tf.Tensor2D);
      try {
        return (await logits.array()) as number[][];
      } finally {
        logits.dispose();
      }
    },
    dispose: async () => graph.dispose(),
  };
}

/**
 * Predict image files with an export folder and its preprocessing.json, in batches: an ONNX export
 * on onnxruntime, a TF.js one with tf.loadGraphModel. A file that cannot be decoded gets an error
 * row; the others are still predicted.
 */
export async function predictWithExport(dir: string, paths: string[], onProgress?: (done: number, total: number) => void): Promise<ExportPredictions> {
  const pre = readExportFolder(dir);
  const s = pre.config.size;
  const runner = pre.format === 'onnx' ? await onnxRunner(dir, s) : await tfjsRunner(dir, s);
  const files = expandPaths(paths);
  const rows: ExportPredictions['rows'] = [];
  try {
    for (let start = 0; start < files.length; start += 16) {
      const batch = files.slice(start, start + 16);
      const prepared = await Promise.all(batch.map((f) => pixelsOf(f, pre.config)));
      const ok = prepared.flatMap((p, i) => (typeof p === 'string' ? [] : [{ i, p }]));
      const { logits, probs } = await batchProbs(runner, ok.map((o) => o.p), s, pre.multiLabel);
      checkFiniteOutput(dir, logits, ok.map((o) => batch[o.i]));
      batch.forEach((path, i) => {
        const err = prepared[i];
        const k = ok.findIndex((o) => o.i === i);
        rows.push(typeof err === 'string' ? { path, probs: null, error: err } : { path, probs: probs[k], error: null });
      });
      onProgress?.(rows.length, files.length);
    }
  } finally {
    await runner.dispose();
  }
  return { classes: pre.classes, multiLabel: pre.multiLabel, rows, runtime: runner.runtime };
}

async function batchProbs(runner: ExportRunner, pixels: Float32Array[], s: number, multiLabel: boolean): Promise<{ logits: number[][]; probs: number[][] }> {
  if (pixels.length === 0) return { logits: [], probs: [] };
  const per = s * s * 3;
  const data = new Float32Array(pixels.length * per);
  pixels.forEach((p, i) => data.set(p, i * per));
  const logits = await runner.logits(data, pixels.length);
  return { logits, probs: logits.map((row) => Array.from(toProbabilities(row, row.length, multiLabel))) };
}

/**
 * NaN or Inf logits give NaN (softmax) or saturated (sigmoid) probabilities. The inputs were checked
 * finite, so they come from the model itself: refuse to report them as predictions.
 */
function checkFiniteOutput(dir: string, logits: number[][], paths: string[]): void {
  const k = logits.findIndex((row) => findNonFinite(row).count > 0);
  if (k < 0) return;
  throw validation(
    `${resolve(dir)}: the model gives NaN or Inf logits for ${paths[k]} although its pixels are finite, so the exported weights very likely hold NaN or Inf values (e.g. from a diverged training). Export the run again from a checkpoint before the divergence.`,
  );
}
