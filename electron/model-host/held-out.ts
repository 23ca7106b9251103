import type { InferenceImage } from '../../shared/contract/model-host.ts';
import { decodeFile } from '../imaging/decode/index.ts';
import { type PreprocessConfig, preprocessImage } from '../training/preprocess/preprocess.ts';

/** Preprocessed held-out images (NHWC float32), for parity checks. */
export interface HeldOut {
  ids: number[];
  /** [n, size, size, 3] row-major. */
  data: Float32Array;
  size: number;
}

/**
 * The first `limit` of the engine's held-out images that still decode, preprocessed. Parity is
 * measured on real preprocessed images, not on noise.
 */
export async function heldOutImages(rows: InferenceImage[], config: PreprocessConfig, limit = 8): Promise<HeldOut> {
  const ids: number[] = [];
  const pixels: Float32Array[] = [];
  for (const row of rows) {
    if (ids.length >= limit) break;
    try {
      const { frames } = await decodeFile(row.path, { frame: row.frame });
      pixels.push(preprocessImage(frames[0], config));
      ids.push(row.id);
    } catch {
      // A file moved or deleted since import: parity uses the other images.
    }
  }
  const per = config.size * config.size * 3;
  const data = new Float32Array(pixels.length * per);
  pixels.forEach((p, i) => data.set(p, i * per));
  return { ids, data, size: config.size };
}

/** max over rows of ||a − b|| / ||b||. */
export function maxRowRelError(a: ArrayLike<number>, b: ArrayLike<number>, rows: number): number {
  const cols = b.length / rows;
  let worst = 0;
  for (let r = 0; r < rows; r++) {
    let diff = 0;
    let norm = 0;
    for (let c = r * cols; c < (r + 1) * cols; c++) {
      diff += (a[c] - b[c]) ** 2;
      norm += b[c] ** 2;
    }
    worst = Math.max(worst, Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-12));
  }
  return worst;
}

/** NHWC → NCHW for runtimes that take PyTorch's layout (ONNX). */
export function nhwcToNchw(data: Float32Array, n: number, size: number): Float32Array {
  const out = new Float32Array(data.length);
  const hw = size * size;
  for (let b = 0; b < n; b++) {
    for (let p = 0; p < hw; p++) for (let c = 0; c < 3; c++) out[b * 3 * hw + c * hw + p] = data[(b * hw + p) * 3 + c];
  }
  return out;
}
