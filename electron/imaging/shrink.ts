import type { DecodedImage } from '../../shared/domain/pixels.ts';

/**
 * Downscale by area averaging (each output pixel is the coverage-weighted mean of the source
 * pixels under it) so that the longest side is at most `maxSide`; same sample type, no gamma, no
 * rescale, and the default window stays that of the full image. Thumbnails and perceptual hashes
 * are made from this, so per-pixel JavaScript work runs on 256 px instead of the full size.
 *
 * Plain JavaScript rather than sharp: for a 512x512 image it is about ten times cheaper than a
 * sharp pipeline from raw pixels (which pays a per-call setup and converts every sample to float),
 * and it runs wherever the caller runs, including an import worker thread.
 */
export function shrinkImage(img: DecodedImage, maxSide: number): DecodedImage {
  let out = img;
  // Exact halvings first (512 -> 256, 2048 -> 1024 -> 512 -> 256): the cheapest area average there is.
  while (Math.max(out.width, out.height) >= 2 * maxSide && out.width % 2 === 0 && out.height % 2 === 0) out = halve(out);
  const longest = Math.max(out.width, out.height);
  if (longest <= maxSide) return out;
  const scale = maxSide / longest;
  const width = Math.max(1, Math.round(out.width * scale));
  const height = Math.max(1, Math.round(out.height * scale));
  const wide = horizontalPass(out, areaWeights(out.width, width), width);
  const data = verticalPass(wide, out.data, areaWeights(out.height, height), width * out.channels);
  return { ...out, width, height, data };
}

/** Each output sample is the mean of a 2x2 block (rounded for integer samples). */
function halve(img: DecodedImage): DecodedImage {
  const { data, channels } = img;
  const [width, height] = [img.width / 2, img.height / 2];
  const rowStep = img.width * channels;
  const out = emptyLike(data, width * height * channels);
  if (channels === 3 && !(out instanceof Float32Array)) {
    halveRgb(data, img.width, out);
    return { ...img, width, height, data: out };
  }
  const half = out instanceof Float32Array ? 0 : 0.5; // integer stores truncate: +0.5 rounds
  const rowOut = width * channels;
  for (let y = 0; y < height; y++) {
    // Sample o of an output row averages samples i, i + channels of two source rows, i = 2o - o % channels.
    for (let o = 0, c = 0, i = 2 * y * rowStep, at = y * rowOut; o < rowOut; o++, at++) {
      out[at] = (data[i] + data[i + channels] + data[i + rowStep] + data[i + rowStep + channels]) * 0.25 + half;
      if (++c === channels) {
        c = 0;
        i += channels + 1;
      } else i++;
    }
  }
  return { ...img, width, height, data: out };
}

/** halve() for integer RGB, the common photo case, unrolled per channel: twice as fast as the general loop. */
function halveRgb(data: DecodedImage['data'], sourceWidth: number, out: Uint8Array | Uint16Array): void {
  const rowStep = sourceWidth * 3;
  const rows = out.length / (rowStep / 2);
  let at = 0;
  for (let y = 0; y < rows; y++) {
    for (let i = 2 * y * rowStep, end = i + rowStep; i < end; i += 6) {
      const j = i + rowStep;
      out[at++] = (data[i] + data[i + 3] + data[j] + data[j + 3] + 2) >> 2;
      out[at++] = (data[i + 1] + data[i + 4] + data[j + 1] + data[j + 4] + 2) >> 2;
      out[at++] = (data[i + 2] + data[i + 5] + data[j + 2] + data[j + 5] + 2) >> 2;
    }
  }
}

function emptyLike(data: DecodedImage['data'], length: number): DecodedImage['data'] {
  return data instanceof Uint8Array ? new Uint8Array(length) : data instanceof Uint16Array ? new Uint16Array(length) : new Float32Array(length);
}

/**
 * When shrinking, a source cell overlaps at most two output cells: `first[s]` and the next one,
 * with `near[s]` and `far[s]` of its weight (the share of the output cell it covers).
 */
interface AreaWeights {
  first: Int32Array;
  near: Float64Array;
  far: Float64Array;
}

function areaWeights(from: number, to: number): AreaWeights {
  const span = from / to;
  const first = new Int32Array(from);
  const near = new Float64Array(from);
  const far = new Float64Array(from);
  for (let s = 0; s < from; s++) {
    const o = Math.min(Math.floor(s / span), to - 1);
    const boundary = (o + 1) * span; // where output cell o ends, in source units
    const inside = o === to - 1 ? 1 : Math.min(1, Math.max(0, boundary - s));
    first[s] = o;
    near[s] = inside / span;
    far[s] = (1 - inside) / span;
  }
  return { first, near, far };
}

/** Averages along x for every source row: the result is outWidth x height, in float. */
function horizontalPass(img: DecodedImage, w: AreaWeights, outWidth: number): Float64Array {
  const { data, channels, width, height } = img;
  const { first, near, far } = w;
  const outRow = outWidth * channels;
  const out = new Float64Array(outRow * height);
  for (let y = 0; y < height; y++) {
    let i = y * width * channels;
    const rowStart = y * outRow;
    for (let x = 0; x < width; x++) {
      const o = rowStart + first[x] * channels;
      const a = near[x];
      const b = far[x];
      for (let c = 0; c < channels; c++, i++) {
        const v = data[i];
        out[o + c] += v * a;
        if (b !== 0) out[o + channels + c] += v * b;
      }
    }
  }
  return out;
}

/** Averages along y and rounds back to the source's sample type (float samples stay float). */
function verticalPass(wide: Float64Array, source: DecodedImage['data'], w: AreaWeights, rowLength: number): DecodedImage['data'] {
  const outHeight = w.first[w.first.length - 1] + 1;
  const acc = new Float64Array(rowLength * outHeight);
  for (let y = 0; y < w.first.length; y++) {
    const o = w.first[y] * rowLength;
    const a = w.near[y];
    const b = w.far[y];
    const row = y * rowLength;
    for (let i = 0; i < rowLength; i++) acc[o + i] += wide[row + i] * a;
    if (b !== 0) for (let i = 0; i < rowLength; i++) acc[o + rowLength + i] += wide[row + i] * b;
  }
  const out = emptyLike(source, acc.length);
  // Integer stores truncate: +0.5 rounds (area means never leave the source range).
  const half = out instanceof Float32Array ? 0 : 0.5;
  for (let i = 0; i < acc.length; i++) out[i] = acc[i] + half;
  return out;
}
