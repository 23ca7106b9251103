import * as tf from '@tensorflow/tfjs';
import type { Backbone, ForwardOptions } from '../backbones/types.ts';

/** A 2-D map, row-major, values in [0, 1]. */
export interface CamMap {
  width: number;
  height: number;
  values: Float32Array;
}

export interface GradCamOutput {
  classIndex: number;
  logits: Float32Array;
  /** At the feature resolution (ResNet: last stage; ViT: patch grid). */
  grid: CamMap;
  /** Bilinearly upsampled to the input size. */
  heatmap: CamMap;
}

/**
 * Where the network is cut: the activations Grad-CAM explains are the input of this group.
 * ResNet: the head, so the last stage's feature map. ViT: the last block, so the tokens entering
 * it (pytorch-grad-cam's `blocks[-1].norm1` recipe). The last block's own output does not work:
 * the head reads only the class token after a per-token norm, so every patch token's gradient
 * there is exactly zero and the map would be blank.
 */
export function camSplit(backbone: Backbone): number {
  const i = backbone.family === 'vit' ? backbone.groups.indexOf('norm') - 1 : backbone.groups.indexOf('head');
  if (i < 1) throw new Error(`${backbone.arch} has no group to split Grad-CAM at`);
  return i;
}

/** ViT tokens [1, T, D] → patch grid [1, g, g, D], prefix tokens (class token, registers) dropped. */
export function tokensToGrid(tokens: tf.Tensor): tf.Tensor4D {
  const [n, t, d] = tokens.shape;
  const g = Math.floor(Math.sqrt(t - 1));
  const prefix = t - g * g;
  return tf.reshape(tf.slice(tokens, [0, prefix, 0], [n, g * g, d]), [n, g, g, d]);
}

/**
 * Grad-CAM (Selvaraju et al. 2017) for one image [1, S, S, 3]: channel weights are the spatial
 * mean of d(class score)/d(activations); cam = relu(Σ_c w_c · A_c), min-max normalised to [0, 1],
 * then bilinearly upsampled (half-pixel centres, as cv2.resize) to the input size.
 * `classIndex` defaults to the predicted class, picked on the device (a one-hot of the argmax) so
 * that nothing is read back before the end: the webgpu backend can only read asynchronously.
 */
export async function gradCam(backbone: Backbone, image: tf.Tensor4D, classIndex?: number, opts: ForwardOptions = {}): Promise<GradCamOutput> {
  const split = camSplit(backbone);
  const end = backbone.groups.length;
  const size = image.shape[1];
  const eval_ = { ...opts, training: false };
  const [logits, grid, up, k] = tf.tidy(() => {
    const acts = backbone.runGroups(image, 0, split, eval_);
    const out = backbone.runGroups(acts, split, end, eval_);
    const k = classIndex === undefined ? tf.argMax(out, -1) : tf.tensor1d([classIndex], 'int32');
    const pick = tf.oneHot(k, out.shape[1]!);
    const score = (a: tf.Tensor) => tf.sum(tf.mul(backbone.runGroups(a, split, end, eval_), pick)) as tf.Scalar;
    const grads = tf.grad(score)(acts);
    const vit = backbone.family === 'vit';
    const a4 = vit ? tokensToGrid(acts) : (acts as tf.Tensor4D);
    const g4 = vit ? tokensToGrid(grads) : (grads as tf.Tensor4D);
    const weights = tf.mean(g4, [1, 2], true);
    const cam = tf.relu(tf.sum(tf.mul(a4, weights), -1)); // [1, h, w]
    const lo = tf.min(cam);
    const range = tf.sub(tf.max(cam), lo);
    // A flat map (no evidence anywhere) stays all zeros instead of dividing by zero.
    const norm = tf.where(tf.greater(range, 1e-12), tf.div(tf.sub(cam, lo), tf.maximum(range, 1e-12)), tf.zerosLike(cam));
    const upsampled = tf.image.resizeBilinear(tf.expandDims(norm, -1) as tf.Tensor4D, [size, size], false, true);
    return [out, norm, tf.clipByValue(upsampled, 0, 1), k] as const;
  });
  const [, h, w] = grid.shape;
  const result: GradCamOutput = {
    classIndex: (await k.data())[0],
    logits: (await logits.data()) as Float32Array,
    grid: { width: w, height: h, values: (await grid.data()) as Float32Array },
    heatmap: { width: size, height: size, values: (await up.data()) as Float32Array },
  };
  tf.dispose([logits, grid, up, k]);
  return result;
}

/** Share of a map's total mass inside a rectangle (fractions of the width / height). */
export function massIn(map: CamMap, box: { x0: number; y0: number; x1: number; y1: number }): number {
  let inside = 0;
  let total = 0;
  for (let y = 0; y < map.height; y++) {
    for (let x = 0; x < map.width; x++) {
      const v = map.values[y * map.width + x];
      total += v;
      const fx = (x + 0.5) / map.width;
      const fy = (y + 0.5) / map.height;
      if (fx >= box.x0 && fx < box.x1 && fy >= box.y0 && fy < box.y1) inside += v;
    }
  }
  return total > 0 ? inside / total : 0;
}
