import * as tf from '@tensorflow/tfjs';

/**
 * timm's `resample_abs_pos_embed` (bicubic, antialias=True, align_corners=False), so a ViT
 * pretrained at 224 px can be fine-tuned at 112 or 384 px. PyTorch's antialiased bicubic is PIL's
 * separable filter (a = -0.5, support widened when shrinking, weights renormalised at the borders);
 * we build the same 1-d weight matrices and apply them along rows, then columns.
 */

const CUBIC_A = -0.5;

function cubic(x: number): number {
  const t = Math.abs(x);
  if (t < 1) return ((CUBIC_A + 2) * t - (CUBIC_A + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * CUBIC_A;
  return 0;
}

/** The [outSize, inSize] matrix of PyTorch's `_upsample_bicubic2d_aa` along one axis. */
export function bicubicAaWeights(inSize: number, outSize: number): Float32Array {
  const w = new Float32Array(outSize * inSize);
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 2 * filterScale;
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const lo = Math.max(Math.trunc(center - support + 0.5), 0);
    const hi = Math.min(Math.trunc(center + support + 0.5), inSize);
    let sum = 0;
    for (let j = lo; j < hi; j++) sum += cubic((j - center + 0.5) / filterScale);
    for (let j = lo; j < hi; j++) w[i * inSize + j] = sum === 0 ? 0 : cubic((j - center + 0.5) / filterScale) / sum;
  }
  return w;
}

/** Resample a [g, g, D] grid to [G, G, D] with separable weights. */
function resampleGrid(grid: tf.Tensor3D, newSize: number): tf.Tensor3D {
  const [g, , d] = grid.shape;
  const a = tf.tensor2d(bicubicAaWeights(g, newSize), [newSize, g]);
  const rows = tf.reshape(tf.matMul(a, tf.reshape(grid, [g, g * d]) as tf.Tensor2D), [newSize, g, d]);
  const cols = tf.matMul(a, tf.reshape(tf.transpose(rows, [1, 0, 2]), [g, newSize * d]) as tf.Tensor2D);
  return tf.transpose(tf.reshape(cols, [newSize, newSize, d]), [1, 0, 2]) as tf.Tensor3D;
}

/**
 * pos_embed [1, prefix + g², D] → [1, prefix + G², D]; the class-token position(s) are kept as they
 * are and only the patch grid is resampled.
 */
export function resamplePosEmbed(posEmbed: tf.Tensor, newGrid: number, numPrefixTokens = 1): tf.Tensor3D {
  return tf.tidy(() => {
    const [, tokens, d] = posEmbed.shape;
    const g = Math.round(Math.sqrt(tokens - numPrefixTokens));
    if (g * g !== tokens - numPrefixTokens) throw new Error(`pos_embed with ${tokens} tokens is not a square grid`);
    const prefix = tf.slice(posEmbed, [0, 0, 0], [1, numPrefixTokens, d]);
    const grid = tf.reshape(tf.slice(posEmbed, [0, numPrefixTokens, 0], [1, g * g, d]), [g, g, d]) as tf.Tensor3D;
    const resampled = g === newGrid ? grid : resampleGrid(grid, newGrid);
    return tf.concat([prefix, tf.reshape(resampled, [1, newGrid * newGrid, d])], 1) as tf.Tensor3D;
  });
}
