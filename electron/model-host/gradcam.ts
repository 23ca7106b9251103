import * as tf from '@tensorflow/tfjs';
import type { CamGrid, HostArgs, HostResult, RunModelRef } from '../../shared/contract/model-host.ts';
import { decodeFile } from '../imaging/decode/index.ts';
import { type CamMap, gradCam } from '../training/explain/grad-cam.ts';
import { preprocessImage } from '../training/preprocess/preprocess.ts';
import { type RunModel, loadRunModel } from './inference.ts';
import { renderOverlay } from './overlay.ts';

/**
 * The last run's model stays loaded (one at a time), so stepping through images in the viewer does
 * not reload the checkpoint; a new best checkpoint comes with a new path, hence a new key.
 */
let cached: { key: string; model: Promise<RunModel> } | null = null;

function model(ref: RunModelRef): Promise<RunModel> {
  const key = `${ref.runId}\u0000${ref.checkpoint}`;
  if (cached?.key !== key) {
    const old = cached;
    const entry = { key, model: loadRunModel(ref) };
    entry.model.catch(() => {
      if (cached === entry) cached = null;
    });
    cached = entry;
    void old?.model.then((m) => m.dispose(), () => {});
  }
  return cached.model;
}

const plain = (c: CamMap): CamGrid => ({ width: c.width, height: c.height, values: Array.from(c.values) });

/** Grad-CAM for one image: the maps, the probabilities, and the overlay PNG when asked. */
export async function gradcam(args: HostArgs<'gradcam'>): Promise<HostResult<'gradcam'>> {
  const m = await model(args.model);
  const { frames } = await decodeFile(args.image.path, { frame: args.image.frame });
  const s = m.preprocess.size;
  const x = tf.tensor4d(preprocessImage(frames[0], m.preprocess), [1, s, s, 3]);
  try {
    const cam = await gradCam(m.model.backbone, x, args.classIndex, m.model.forwardOptions);
    const p = tf.tidy(() => {
      const logits = tf.tensor2d(cam.logits, [1, m.config.classes.length]);
      return m.config.multiLabel ? tf.sigmoid(logits) : tf.softmax(logits);
    });
    const probs = Array.from(await p.data());
    p.dispose();
    const overlay = args.overlaySize ? new Uint8Array(await renderOverlay(frames[0], cam.heatmap, m.preprocess, args.overlaySize)) : null;
    return { classIndex: cam.classIndex, probs, grid: plain(cam.grid), heatmap: plain(cam.heatmap), overlay };
  } finally {
    x.dispose();
  }
}
