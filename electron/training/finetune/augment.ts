import * as tf from '@tensorflow/tfjs';
import type { Rng } from './rng.ts';

/**
 * Augmentation suited to medical and inspection images: small geometric jitter and
 * brightness/contrast that act on every channel alike (so grey images stay grey: no colour
 * jitter). Horizontal flip is off by default because laterality matters on chest X-rays.
 */
export interface AugmentOptions {
  /** Maximum rotation in degrees (±). */
  rotation?: number;
  /** Maximum relative scale change (±), e.g. 0.1 = 90-110%. */
  scale?: number;
  /** Maximum translation as a share of the image side (±). */
  translate?: number;
  /** Maximum brightness shift, in normalised units (±). */
  brightness?: number;
  /** Maximum relative contrast change (±). */
  contrast?: number;
  horizontalFlip?: boolean;
}

export const DEFAULT_AUGMENT: Required<AugmentOptions> = {
  rotation: 10,
  scale: 0.1,
  translate: 0.05,
  brightness: 0.1,
  contrast: 0.1,
  horizontalFlip: false,
};

/** Inverse affine map (output pixel → input pixel) in tf.image.transform's 8-number form. */
function affineRow(rng: Rng, o: Required<AugmentOptions>, height: number, width: number): number[] {
  const theta = (rng.uniform(-o.rotation, o.rotation) * Math.PI) / 180;
  const s = 1 + rng.uniform(-o.scale, o.scale);
  const tx = rng.uniform(-o.translate, o.translate) * width;
  const ty = rng.uniform(-o.translate, o.translate) * height;
  const flip = o.horizontalFlip && rng.next() < 0.5 ? -1 : 1;
  // Rotate and scale about the image centre (each axis its own, for non-square images).
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const cos = Math.cos(theta) / s;
  const sin = Math.sin(theta) / s;
  const m = [flip * cos, flip * sin, -sin, cos];
  const ox = cx + tx;
  const oy = cy + ty;
  return [m[0], m[1], cx - m[0] * ox - m[1] * oy, m[2], m[3], cy - m[2] * ox - m[3] * oy, 0, 0];
}

/** Augment a batch [N, H, W, C]; every random number comes from `rng`, so runs are reproducible. */
export function augmentBatch(x: tf.Tensor4D, rng: Rng, options: AugmentOptions = {}): tf.Tensor4D {
  const o = { ...DEFAULT_AUGMENT, ...options };
  const [n, height, width] = x.shape;
  const rows: number[] = [];
  const bright: number[] = [];
  const contrast: number[] = [];
  for (let i = 0; i < n; i++) {
    rows.push(...affineRow(rng, o, height, width));
    bright.push(rng.uniform(-o.brightness, o.brightness));
    contrast.push(1 + rng.uniform(-o.contrast, o.contrast));
  }
  return tf.tidy(() => {
    // One image at a time: tfjs 4.22's cpu Transform kernel returns zeros for every image after
    // the first of a batch (measured), so batching the call would silently blank the batch.
    const moved = tf.concat(
      tf.split(x, n, 0).map((xi, i) => tf.image.transform(xi as tf.Tensor4D, tf.tensor2d(rows.slice(i * 8, i * 8 + 8), [1, 8]), 'bilinear', 'nearest')),
      0,
    );
    const mean = tf.mean(moved, [1, 2, 3], true);
    const c = tf.reshape(tf.tensor1d(contrast), [n, 1, 1, 1]);
    const b = tf.reshape(tf.tensor1d(bright), [n, 1, 1, 1]);
    return tf.add(tf.add(tf.mul(tf.sub(moved, mean), c), mean), b) as tf.Tensor4D;
  });
}
