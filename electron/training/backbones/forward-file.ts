import * as tf from '@tensorflow/tfjs';
import { validation } from '../../../shared/contract/errors.ts';
import { loadWeights, type LoadReport } from '../weights/load-weights.ts';
import { type NpyArray, readNpy, writeNpy } from '../../weights/npy.ts';
import { SafetensorsFile } from '../../weights/safetensors.ts';
import { checkpointAdapter } from './adapt.ts';
import { findNonFinite } from './finite.ts';
import { nchwToNhwc } from './ops.ts';
import { pretrainedConfig } from './pretrained.ts';
import { type BackboneEntry, backboneEntry, backboneLayout, createBackbone } from './registry.ts';

/**
 * `labeltune forward`: run a backbone with a weights file on a float32 NCHW .npy batch in eval
 * mode and write logits / pre-logits features as .npy, so users can check imported weights against
 * PyTorch with two lines of Python. ResNets take any [N, 3, H, W]; ViTs a square [N, 3, S, S].
 */

export interface ForwardFileOptions {
  arch: string;
  weights: string;
  input: string;
  logits: string;
  features?: string;
  /** Images per forward pass (bounds memory on large inputs). */
  batchSize?: number;
}

export interface ForwardFileResult {
  arch: string;
  backend: string;
  images: number;
  /** Input height and width in pixels. */
  height: number;
  width: number;
  numClasses: number;
  featureDim: number;
  logits: { path: string; shape: number[] };
  features?: { path: string; shape: number[] };
  load: Pick<LoadReport, 'loaded' | 'adapted'>;
  seconds: number;
}

export async function forwardFile(opts: ForwardFileOptions): Promise<ForwardFileResult> {
  const started = performance.now();
  const entry = backboneEntry(opts.arch);
  const input = await readNpy(opts.input);
  const { height, width } = checkInputShape(input, opts.input, opts.arch, entry);
  checkInputValues(input, opts.input);
  const file = await SafetensorsFile.open(opts.weights);
  try {
    const numClasses = classesOf(file, backboneLayout(opts.arch, { numClasses: 0 }).classifier);
    // A ViT is built at the input's square size (pos_embed is resampled to it); a ResNet runs on any H x W.
    const model = createBackbone(opts.arch, { numClasses, imageSize: Math.max(height, width) });
    try {
      const report = await loadWeights(model, file, { strict: true, adapt: checkpointAdapter(model) });
      if (report.headReplaced) {
        throw validation(`${opts.weights}: the classifier does not fit ${opts.arch} with ${numClasses} classes; the file's head and its metadata disagree.`);
      }
      const { logits, features } = await runBatches(model, input, opts.batchSize ?? 16);
      // A headless model (0 classes) has only its features to check.
      if (numClasses > 0) checkOutputValues(logits, numClasses, 'logits', opts.weights);
      else checkOutputValues(features, model.featureDim, 'features', opts.weights);
      const n = input.shape[0];
      await writeNpy(opts.logits, [n, numClasses], logits);
      if (opts.features) await writeNpy(opts.features, [n, model.featureDim], features);
      return {
        arch: opts.arch,
        backend: tf.getBackend(),
        images: n,
        height,
        width,
        numClasses,
        featureDim: model.featureDim,
        logits: { path: opts.logits, shape: [n, numClasses] },
        ...(opts.features ? { features: { path: opts.features, shape: [n, model.featureDim] } } : {}),
        load: { loaded: report.loaded, adapted: report.adapted },
        seconds: (performance.now() - started) / 1000,
      };
    } finally {
      model.dispose();
    }
  } finally {
    await file.close();
  }
}

/** The input must be [N, 3, H, W] (RGB, channels first as PyTorch has them); square for a ViT. */
function checkInputShape(input: NpyArray, path: string, arch: string, entry: BackboneEntry): { height: number; width: number } {
  const [n, c, h, w] = input.shape;
  const got = `got [${input.shape.join(', ')}]`;
  if (input.shape.length !== 4 || c !== 3 || n < 1) {
    const expected = entry.family === 'vit' ? '[N, 3, S, S] (NCHW, square RGB images)' : '[N, 3, H, W] (NCHW RGB images)';
    throw validation(`${path}: expected a float32 array of shape ${expected}, ${got}. Save it from PyTorch as x.numpy() of a normalised batch.`);
  }
  if (entry.family === 'vit' && h !== w) {
    const s = pretrainedConfig(arch).inputSize;
    throw validation(`${path}: ${arch} takes square images only (its position embeddings are a square grid of patches): expected shape [N, 3, S, S], e.g. [${n}, 3, ${s}, ${s}] as its weights were trained, ${got}. ResNets take any [N, 3, H, W].`);
  }
  return { height: h, width: w };
}

/** NaN or Inf in the input would give garbage (or even finite-looking) logits: refuse them. */
function checkInputValues(input: NpyArray, path: string): void {
  const { count, first } = findNonFinite(input.data);
  if (count === 0) return;
  const per = input.data.length / input.shape[0];
  throw validation(
    `${path}: ${count} of ${input.data.length} input values are NaN or Inf (first at index ${first}, in image ${Math.floor(first / per)}). Check the normalisation of the batch (a division by a zero std gives NaN) and save it again.`,
  );
}

/** The input is finite, so non-finite logits come from the model: almost always weights holding NaN or Inf. */
function checkOutputValues(values: Float32Array, perImage: number, what: string, weights: string): void {
  const { count, first } = findNonFinite(values);
  if (count === 0) return;
  throw validation(
    `${weights}: the model gives NaN or Inf for ${count} of ${values.length} ${what} (first in image ${Math.floor(first / perImage)}) although the input is finite, so the weights very likely hold NaN or Inf values (e.g. from a diverged training). Use weights from before the divergence; "labeltune weights import" checks a file for such values.`,
  );
}

/** Class count: the classifier's shape (PyTorch [out, in]) is the truth; the metadata is the fallback. */
function classesOf(file: SafetensorsFile, classifier: string): number {
  const head = file.tensors.get(`${classifier}.weight`);
  if (head && head.shape.length === 2) return head.shape[0];
  const meta = Number(file.metadata.num_classes);
  if (Number.isInteger(meta) && meta >= 0) return meta;
  return 0;
}

async function runBatches(model: ReturnType<typeof createBackbone>, input: NpyArray, batchSize: number) {
  const [n, c, h, w] = input.shape;
  const per = c * h * w;
  const logits = new Float32Array(n * model.numClasses);
  const features = new Float32Array(n * model.featureDim);
  for (let start = 0; start < n; start += batchSize) {
    const count = Math.min(batchSize, n - start);
    const x = nchwToNhwc(input.data.subarray(start * per, (start + count) * per), [count, c, h, w]);
    const feats = model.forwardFeatures(x);
    const pre = model.forwardHead(feats, { preLogits: true });
    const out = model.forwardHead(feats);
    if (model.numClasses > 0) logits.set(await out.data(), start * model.numClasses);
    features.set(await pre.data(), start * model.featureDim);
    tf.dispose([x, feats, pre, out]);
  }
  return { logits, features };
}
