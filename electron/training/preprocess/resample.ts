/**
 * Separable image resampling exactly as Pillow does it (`Image.resize`, src/libImaging/Resample.c):
 * a filter whose support widens with the downscale factor, so shrinking a 2048 px radiograph to
 * 236 px averages every source pixel instead of sampling a few (no aliasing). torchvision's
 * `Resize(antialias=True)` uses the same scheme, so this is what timm's eval transform computes.
 */

export type Interpolation = 'bilinear' | 'bicubic';

interface Filter {
  support: number;
  weight: (x: number) => number;
}

const FILTERS: Record<Interpolation, Filter> = {
  bilinear: { support: 1, weight: (x) => Math.max(0, 1 - Math.abs(x)) },
  bicubic: { support: 2, weight: bicubic },
};

/** Keys' cubic with a = -0.5, Pillow's and PyTorch's choice. */
function bicubic(t: number): number {
  const a = -0.5;
  const x = Math.abs(t);
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

/** For each output index: the first source index and the normalised weights of its taps. */
export interface Coefficients {
  first: Int32Array;
  count: Int32Array;
  /** `taps` weights per output index (unused ones are 0). */
  weights: Float64Array;
  taps: number;
}

/** Pillow's `precompute_coeffs` for resizing inSize -> outSize. */
export function coefficients(inSize: number, outSize: number, interpolation: Interpolation): Coefficients {
  const filter = FILTERS[interpolation];
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const c: Coefficients = { first: new Int32Array(outSize), count: new Int32Array(outSize), weights: new Float64Array(outSize * taps), taps };
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const first = Math.max(Math.trunc(center - support + 0.5), 0);
    const count = Math.min(Math.trunc(center + support + 0.5), inSize) - first;
    let total = 0;
    for (let k = 0; k < count; k++) {
      const w = filter.weight((k + first - center + 0.5) / filterScale);
      c.weights[o * taps + k] = w;
      total += w;
    }
    if (total !== 0) for (let k = 0; k < count; k++) c.weights[o * taps + k] /= total;
    c.first[o] = first;
    c.count[o] = count;
  }
  return c;
}

/** A planar-or-interleaved float image: `channels` samples per pixel, row-major. */
export interface FloatImage {
  width: number;
  height: number;
  channels: number;
  data: Float32Array;
}

export interface CropBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Resize `src` to outW x outH and return only the `crop` window of the result (the centre crop):
 * the horizontal pass runs on the source rows the window needs, the vertical pass on the window's
 * columns. The intermediate is float32 like Pillow's 'F' images, so results agree to float32
 * rounding.
 */
export function resizeAndCrop(src: FloatImage, outW: number, outH: number, crop: CropBox, interpolation: Interpolation): FloatImage {
  const cx = coefficients(src.width, outW, interpolation);
  const cy = coefficients(src.height, outH, interpolation);
  const rowFirst = cy.first[crop.top];
  const rowEnd = cy.first[crop.top + crop.height - 1] + cy.count[crop.top + crop.height - 1];
  const tmp = horizontal(src, cx, crop.left, crop.width, rowFirst, rowEnd);
  return vertical(tmp, cy, crop.top, crop.height, rowFirst);
}

function horizontal(src: FloatImage, c: Coefficients, left: number, width: number, rowFirst: number, rowEnd: number): FloatImage {
  const ch = src.channels;
  const out = new Float32Array((rowEnd - rowFirst) * width * ch);
  for (let y = rowFirst; y < rowEnd; y++) {
    const srcRow = y * src.width * ch;
    const outRow = (y - rowFirst) * width * ch;
    for (let o = 0; o < width; o++) {
      const first = c.first[left + o];
      const count = c.count[left + o];
      const w0 = (left + o) * c.taps;
      for (let k = 0; k < ch; k++) {
        let sum = 0;
        for (let t = 0; t < count; t++) sum += src.data[srcRow + (first + t) * ch + k] * c.weights[w0 + t];
        out[outRow + o * ch + k] = sum;
      }
    }
  }
  return { width, height: rowEnd - rowFirst, channels: ch, data: out };
}

function vertical(src: FloatImage, c: Coefficients, top: number, height: number, rowFirst: number): FloatImage {
  const ch = src.channels;
  const stride = src.width * ch;
  const out = new Float32Array(height * stride);
  for (let o = 0; o < height; o++) {
    const first = c.first[top + o] - rowFirst;
    const count = c.count[top + o];
    const w0 = (top + o) * c.taps;
    for (let i = 0; i < stride; i++) {
      let sum = 0;
      for (let t = 0; t < count; t++) sum += src.data[(first + t) * stride + i] * c.weights[w0 + t];
      out[o * stride + i] = sum;
    }
  }
  return { width: src.width, height, channels: ch, data: out };
}
