import { validation } from '../../../shared/contract/errors.ts';
import type { DecodedImage } from '../../../shared/domain/pixels.ts';
import type { PretrainedConfig, Rgb } from '../backbones/pretrained.ts';
import { type FloatImage, type Interpolation, resizeAndCrop } from './resample.ts';

/**
 * The one preprocessing definition. Training, evaluation, prediction and export all call
 * `preprocessImage` with a `PreprocessConfig`, and exports write `describePreprocessing(config)`
 * as preprocessing.json, so a model never sees pixels prepared in two different ways.
 *
 * decode -> [0, 1] (8-bit: /255; deeper or float data: window/level) -> drop alpha -> resize the
 * shorter side to floor(size / cropPct) -> centre crop size x size -> grey to RGB -> (x - mean) / std.
 */

export interface WindowLevel {
  center: number;
  width: number;
}

export interface PreprocessConfig {
  /** Output side in pixels (the model's input size). */
  size: number;
  /** Fraction of the resized image the centre crop keeps (timm's crop_pct), in (0, 1]. */
  cropPct: number;
  mean: Rgb;
  std: Rgb;
  /**
   * Resize filter, both antialiased as Pillow's: 'bilinear' is our default (cheaper, and the
   * difference from timm's bicubic is far below label noise); 'bicubic' reproduces timm exactly.
   */
  interpolation: Interpolation;
  /** Window for >8-bit and float images; null uses each image's own (DICOM tags or sample range). */
  window: WindowLevel | null;
}

/** The preprocessing of a pretrained model, optionally at another size (ViT pos_embed is resampled). */
export function preprocessConfigFor(cfg: PretrainedConfig, overrides: Partial<PreprocessConfig> = {}): PreprocessConfig {
  return {
    size: cfg.inputSize,
    cropPct: cfg.cropPct,
    mean: cfg.mean,
    std: cfg.std,
    interpolation: 'bilinear',
    window: null,
    ...overrides,
  };
}

/** DecodedImage -> Float32Array [size, size, 3] (HWC, RGB), ready to stack into an NHWC batch. */
export function preprocessImage(image: DecodedImage, config: PreprocessConfig): Float32Array {
  checkConfig(config);
  const unit = toUnitRange(image, config.window);
  const { resizedWidth, resizedHeight, crop } = geometry(image.width, image.height, config);
  const cropped = resizeAndCrop(unit, resizedWidth, resizedHeight, crop, config.interpolation);
  return normalize(cropped, config.mean, config.std);
}

/** Sizes of the resize and the crop box for an image (exported for tests and the UI's preview). */
export function geometry(width: number, height: number, config: Pick<PreprocessConfig, 'size' | 'cropPct'>) {
  // timm's eval transform: scale_size = floor(img_size / crop_pct); torchvision's Resize(int) keeps
  // the aspect ratio with the longer side truncated, and CenterCrop rounds half to even (Python's round).
  const shorter = Math.floor(config.size / config.cropPct);
  const resizedWidth = width <= height ? shorter : Math.floor((shorter * width) / height);
  const resizedHeight = width <= height ? Math.floor((shorter * height) / width) : shorter;
  const crop = {
    left: roundHalfEven((resizedWidth - config.size) / 2),
    top: roundHalfEven((resizedHeight - config.size) / 2),
    width: config.size,
    height: config.size,
  };
  return { resizedWidth, resizedHeight, crop };
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function checkConfig(c: PreprocessConfig): void {
  if (!Number.isInteger(c.size) || c.size < 1) throw validation(`Input size must be a positive whole number of pixels, got ${c.size}.`);
  if (!(c.cropPct > 0 && c.cropPct <= 1)) throw validation(`crop_pct must be in (0, 1], got ${c.cropPct}.`);
  if (c.std.some((s) => !(s > 0))) throw validation(`Normalisation std must be positive, got [${c.std.join(', ')}].`);
  if (c.window && !(c.window.width > 0)) throw validation(`Window width must be positive, got ${c.window.width}.`);
}

/** Samples -> [0, 1] with 1 or 3 channels (alpha dropped: images are not composited on a background). */
export function toUnitRange(image: DecodedImage, windowOverride: WindowLevel | null = null): FloatImage {
  const { width, height, channels, data } = image;
  if (data.length !== width * height * channels) {
    throw validation(`Decoded image has ${data.length} samples but ${width}x${height}x${channels} needs ${width * height * channels}.`);
  }
  const outChannels = channels === 1 ? 1 : 3;
  const { scale, offset, clamp } = sampleMapping(image, windowOverride);
  const out = new Float32Array(width * height * outChannels);
  // One tight loop (no per-sample closure): this runs over every pixel of 5-megapixel radiographs.
  for (let p = 0, q = 0; p < data.length; p += channels) {
    for (let k = 0; k < outChannels; k++, q++) {
      const v = data[p + k] * scale + offset;
      out[q] = clamp ? (v < 0 ? 0 : v > 1 ? 1 : v) : v;
    }
  }
  return { width, height, channels: outChannels, data: out };
}

/**
 * 8-bit samples divide by 255. Deeper or float samples go through the window:
 * clamp((x - (center - width / 2)) / width, 0, 1), the plain linear window (not DICOM's
 * (width - 1) variant: the half-sample difference does not matter to a network).
 */
function sampleMapping(image: DecodedImage, windowOverride: WindowLevel | null): { scale: number; offset: number; clamp: boolean } {
  if (image.data instanceof Uint8Array) return { scale: 1 / 255, offset: 0, clamp: false };
  const w = windowOverride ?? image.window ?? sampleRange(image.data);
  if (!(w.width > 0)) throw validation(`Window width must be positive, got ${w.width}.`);
  const lo = w.center - w.width / 2;
  return { scale: 1 / w.width, offset: -lo / w.width, clamp: true };
}

/** The full range of the samples: the fallback window for images without one. */
function sampleRange(data: Uint16Array | Float32Array): WindowLevel {
  let min = Infinity;
  let max = -Infinity;
  for (const v of data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!Number.isFinite(min)) return { center: 0.5, width: 1 };
  return { center: (min + max) / 2, width: max > min ? max - min : 1 };
}

function normalize(img: FloatImage, mean: Rgb, std: Rgb): Float32Array {
  const n = img.width * img.height;
  const out = new Float32Array(n * 3);
  for (let p = 0; p < n; p++) {
    for (let k = 0; k < 3; k++) {
      const v = img.channels === 1 ? img.data[p] : img.data[p * 3 + k]; // grey feeds all three channels
      out[p * 3 + k] = (v - mean[k]) / std[k];
    }
  }
  return out;
}

/** What exports write as preprocessing.json: enough for anyone to reproduce the input exactly. */
export function describePreprocessing(config: PreprocessConfig) {
  checkConfig(config);
  const shorter = Math.floor(config.size / config.cropPct);
  return {
    format: 'labeltune-preprocessing',
    version: 1,
    output: { layout: 'NHWC', channels: 'RGB', dtype: 'float32', height: config.size, width: config.size },
    inputSize: config.size,
    cropPct: config.cropPct,
    resizeShorterSide: shorter,
    interpolation: config.interpolation,
    mean: [...config.mean],
    std: [...config.std],
    window: config.window ? { ...config.window } : null,
    steps: [
      '8-bit samples: x / 255. Deeper or float samples: clamp((x - (center - width / 2)) / width, 0, 1) with the window above, or the image\'s own (DICOM WindowCenter/WindowWidth, else the sample range) when null.',
      'Drop the alpha channel of RGBA images.',
      `Resize so the shorter side is ${shorter} px (floor(${config.size} / ${config.cropPct})); longer side floor(${shorter} * long / short); ${config.interpolation} filter with antialiasing, as PIL Image.resize.`,
      `Centre crop ${config.size} x ${config.size}; offsets round((resized - ${config.size}) / 2), halves to even.`,
      'Grey images: copy the one channel to R, G and B.',
      'Per channel: (x - mean) / std.',
    ],
  };
}

export type PreprocessingDescription = ReturnType<typeof describePreprocessing>;
