import * as tf from '@tensorflow/tfjs';
import type { CamGrid, HostArgs, HostResult, RunModelRef } from '../../shared/contract/model-host.ts';
import { decodeFile } from '../imaging/decode/index.ts';
import { type CamMap, gradCam } from '../training/explain/grad-cam.ts';
import { preprocessImage } from '../training/preprocess/preprocess.ts';
import { SafetensorsFile } from '../weights/safetensors.ts';
import { classActivationMap, upsampleBilinear } from './cam.ts';
import { renderOverlay } from './overlay.ts';
import { RunInference, toProbabilities } from './run-inference.ts';

/**
 * The last run's model stays loaded (one at a time), so stepping through images in the viewer does
 * not reload the checkpoint; a new best checkpoint comes with a new path, hence a new key.
 */
let cached: { key: string; inference: RunInference; head: Promise<Float32Array> | null } | null = null;

function model(ref: RunModelRef): NonNullable<typeof cached> {
  const key = `${ref.runId}\u0000${ref.checkpoint}`;
  if (cached?.key !== key) {
    void cached?.inference.dispose();
    cached = { key, inference: new RunInference(ref), head: null };
  }
  return cached;
}

/** ResNets end in a global average pool and a linear head: their Grad-CAM is CAM, which needs no gradient. */
const camFamily = (ref: RunModelRef) => /^resnet\d+$/.test(ref.config.backbone);

/** The head's weight [C, classes] as the checkpoint holds it (TF.js layout). */
async function headWeight(checkpoint: string): Promise<Float32Array> {
  const f = await SafetensorsFile.open(checkpoint);
  try {
    return await f.read('model.fc.weight');
  } finally {
    await f.close();
  }
}

interface Cam {
  classIndex: number;
  logits: Float32Array;
  grid: CamMap;
  heatmap: CamMap;
}

/** ResNets on onnxruntime: logits and the last stage's activations from the converted graph, CAM in plain maths; null on TF.js. */
async function camOnOrt(entry: NonNullable<typeof cached>, pixels: Float32Array, classIndex: number | undefined): Promise<Cam | null> {
  const ref = entry.inference.ref;
  if (!camFamily(ref)) return null;
  const out = await entry.inference.withFeatures(pixels, 1);
  if (!out) return null;
  entry.head ??= headWeight(ref.checkpoint);
  const classes = ref.config.classes.length;
  const k = classIndex ?? out.logits.indexOf(Math.max(...out.logits));
  const grid = classActivationMap(out.features, out.dims, await entry.head, classes, k);
  return { classIndex: k, logits: out.logits, grid, heatmap: upsampleBilinear(grid, entry.inference.preprocess.size) };
}

const plain = (c: CamMap): CamGrid => ({ width: c.width, height: c.height, values: Array.from(c.values) });

/** Grad-CAM for one image (CAM on onnxruntime for ResNets, gradients on TF.js otherwise): the maps, the probabilities, and the overlay PNG when asked. */
export async function gradcam(args: HostArgs<'gradcam'>): Promise<HostResult<'gradcam'>> {
  const entry = model(args.model);
  const pre = entry.inference.preprocess;
  const { frames } = await decodeFile(args.image.path, { frame: args.image.frame });
  const pixels = preprocessImage(frames[0], pre);
  let cam = await camOnOrt(entry, pixels, args.classIndex);
  if (!cam) {
    const m = await entry.inference.tfjsModel();
    const x = tf.tensor4d(pixels, [1, pre.size, pre.size, 3]);
    try {
      cam = await gradCam(m.model.backbone, x, args.classIndex, m.model.forwardOptions);
    } finally {
      x.dispose();
    }
  }
  const probs = Array.from(toProbabilities(cam.logits, cam.logits.length, args.model.config.multiLabel));
  const overlay = args.overlaySize ? new Uint8Array(await renderOverlay(frames[0], cam.heatmap, pre, args.overlaySize)) : null;
  return { classIndex: cam.classIndex, probs, grid: plain(cam.grid), heatmap: plain(cam.heatmap), overlay };
}
