import type { DecodedImage } from '../../../../shared/domain/pixels.ts';
import { rangeWindow, sampleRangeWindow, type DisplayWindow } from '../window.ts';
import type { IntSamples } from './frames.ts';
import type { PixelLayout } from './layout.ts';

/** Modality LUT (linear rescale) and the first VOI window of a DICOM image. */
export interface Modality {
  slope: number;
  intercept: number;
  window: DisplayWindow | null;
}

/**
 * Turns the integer samples of one frame into a DecodedImage: keeps only Bits Stored, converts
 * YBR to RGB, applies the rescale, and inverts MONOCHROME1 so that larger always means brighter
 * (the default window is mirrored with it). Output types: unsigned integer grey/RGB without
 * rescale stays Uint8Array/Uint16Array; signed, rescaled or 32-bit data becomes Float32Array.
 */
export function toDecodedImage(raw: IntSamples, layout: PixelLayout, modality: Modality, codecGaveRgb: boolean): DecodedImage {
  const samples = maskBitsStored(raw, layout);
  const base = { width: layout.columns, height: layout.rows, bitDepth: layout.bitsStored };
  if (layout.samplesPerPixel === 3) {
    const rgb = codecGaveRgb || layout.photometric === 'RGB' ? samples : ybrToRgb(samples, layout.bitsStored);
    const data = colourData(rgb, layout.bitsAllocated);
    return { ...base, channels: 3, data, window: layout.bitsAllocated === 8 ? null : sampleRangeWindow(data) };
  }
  if (layout.bitsAllocated === 1) return { ...base, ...oneBit(samples, layout.photometric === 'MONOCHROME1') };
  return { ...base, channels: 1, ...monochrome(samples, layout, modality) };
}

function monochrome(samples: IntSamples, layout: PixelLayout, modality: Modality): Pick<DecodedImage, 'data' | 'window'> {
  const signed = layout.pixelRepresentation === 1;
  const identity = modality.slope === 1 && modality.intercept === 0;
  const invert = layout.photometric === 'MONOCHROME1';
  const storedMin = signed ? -(2 ** (layout.bitsStored - 1)) : 0;
  const storedMax = signed ? 2 ** (layout.bitsStored - 1) - 1 : 2 ** layout.bitsStored - 1;
  if (identity && !signed && layout.bitsAllocated <= 16) {
    const data = layout.bitsAllocated === 8 ? new Uint8Array(samples.length) : new Uint16Array(samples.length);
    for (let i = 0; i < samples.length; i++) data[i] = invert ? storedMax - samples[i] : samples[i];
    const window = mirror(modality.window, invert ? storedMax : null);
    return { data, window: window ?? (layout.bitsAllocated === 8 ? null : sampleRangeWindow(data)) };
  }
  const { slope, intercept } = modality;
  // MONOCHROME1 mirrors the output range onto itself: v -> (f(min) + f(max)) - v.
  const k = slope * storedMin + intercept + slope * storedMax + intercept;
  const data = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i] * slope + intercept;
    data[i] = invert ? k - v : v;
  }
  return { data, window: mirror(modality.window, invert ? k : null) ?? sampleRangeWindow(data) };
}

function mirror(window: DisplayWindow | null, k: number | null): DisplayWindow | null {
  if (!window || k === null) return window;
  return { center: k - window.center, width: window.width };
}

function oneBit(samples: IntSamples, invert: boolean): Pick<DecodedImage, 'channels' | 'data' | 'window'> {
  const data = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) data[i] = invert ? 1 - samples[i] : samples[i];
  return { channels: 1, data, window: rangeWindow(0, 1) };
}

/** Drops bits above Bits Stored (overlays, garbage) and sign-extends signed samples from there. */
function maskBitsStored(samples: IntSamples, layout: PixelLayout): IntSamples {
  const bits = layout.bitsStored;
  if (bits >= layout.bitsAllocated || layout.bitsAllocated === 1) return samples;
  const out = samples.slice();
  const shift = 32 - bits;
  const mask = 2 ** bits - 1;
  for (let i = 0; i < out.length; i++) {
    out[i] = layout.pixelRepresentation === 1 ? (out[i] << shift) >> shift : (out[i] & mask) >>> 0;
  }
  return out;
}

/** YBR_FULL (and YBR_FULL_422 once upsampled) to RGB, PS3.3 C.7.6.3.1.2, for any bit depth. */
function ybrToRgb(samples: IntSamples, bits: number): IntSamples {
  const out = samples.slice();
  const half = 2 ** (bits - 1);
  const max = 2 ** bits - 1;
  const clamp = (v: number) => (v < 0 ? 0 : v > max ? max : Math.round(v));
  for (let i = 0; i < samples.length; i += 3) {
    const y = samples[i];
    const cb = samples[i + 1] - half;
    const cr = samples[i + 2] - half;
    out[i] = clamp(y + 1.402 * cr);
    out[i + 1] = clamp(y - 0.344136 * cb - 0.714136 * cr);
    out[i + 2] = clamp(y + 1.772 * cb);
  }
  return out;
}

function colourData(rgb: IntSamples, bitsAllocated: number): Uint8Array | Uint16Array | Float32Array {
  if (bitsAllocated === 8) return rgb instanceof Uint8Array ? rgb : Uint8Array.from(rgb);
  if (bitsAllocated === 16) return rgb instanceof Uint16Array ? rgb : Uint16Array.from(rgb);
  return Float32Array.from(rgb);
}

/** Y0 Y1 Cb Cr per pixel pair -> Y Cb Cr per pixel (PS3.3 C.7.6.3.1.2, horizontal 2:1 subsampling). */
export function upsampleYbr422(pairs: IntSamples, pixels: number): IntSamples {
  const out = new (pairs.constructor as new (n: number) => IntSamples)(pixels * 3);
  for (let p = 0, i = 0; p < pixels && i + 3 < pairs.length; p += 2, i += 4) {
    const [y0, y1, cb, cr] = [pairs[i], pairs[i + 1], pairs[i + 2], pairs[i + 3]];
    out.set([y0, cb, cr], p * 3);
    if (p + 1 < pixels) out.set([y1, cb, cr], (p + 1) * 3);
  }
  return out;
}
