import { validation } from '../../../shared/contract/errors.ts';
import type { DecodedImage } from '../../../shared/domain/pixels.ts';
import { RESIZE_MODES, type ResizeMode } from '../../../shared/domain/run.ts';
import type { ArchitectureCard, Rgb } from '../backbones/pretrained.ts';
import { type CropBox, type FloatImage, type Interpolation, resizeAndCrop } from './resample.ts';

/**
 * The one preprocessing definition. Training, evaluation, prediction and export all call
 * `preprocessImage` with a `PreprocessConfig`, and exports write `describePreprocessing(config)`
 * as preprocessing.json, so a model never sees pixels prepared in two different ways.
 *
 * decode -> [0, 1] (8-bit: /255; deeper or float data: window/level) -> drop alpha -> square it
 * (`crop`: resize the shorter side to floor(size / cropPct), centre crop size x size; `pad`: resize
 * the longer side to size, pad to size x size) -> grey to RGB -> (x - mean) / std.
 */

export interface WindowLevel {
  center: number;
  width: number;
}

export interface PreprocessConfig {
  /** Output side in pixels (the model's input size). */
  size: number;
  /** Fraction of the resized image the centre crop keeps (timm's crop_pct), in (0, 1]; unused by `pad`. */
  cropPct: number;
  /** `crop` (timm's eval default) or `pad` to square (nothing cut). */
  resize: ResizeMode;
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
export function preprocessConfigFor(cfg: Pick<ArchitectureCard, 'inputSize' | 'cropPct' | 'mean' | 'std'>, overrides: Partial<PreprocessConfig> = {}): PreprocessConfig {
  return {
    size: cfg.inputSize,
    cropPct: cfg.cropPct,
    mean: cfg.mean,
    std: cfg.std,
    interpolation: 'bilinear',
    window: null,
    resize: 'crop',
    ...overrides,
  };
}

/** DecodedImage -> Float32Array [size, size, 3] (HWC, RGB), ready to stack into an NHWC batch. */
export function preprocessImage(image: DecodedImage, config: PreprocessConfig): Float32Array {
  checkConfig(config);
  const unit = toUnitRange(image, config.window);
  const g = geometry(image.width, image.height, config);
  const kept = normalize(resizeAndCrop(unit, g.resizedWidth, g.resizedHeight, g.crop, config.interpolation), config.mean, config.std);
  return config.resize === 'pad' ? padToSquare(kept, g, config.size) : kept;
}

/** Where an image's pixels go: the keep-aspect resize, the part of it kept, and where that lands in the output. */
export interface Geometry {
  resizedWidth: number;
  resizedHeight: number;
  /** The window of the resized image that is kept: `crop` the centre size x size, `pad` all of it. */
  crop: CropBox;
  /** Top-left of that window in the size x size output (`crop`: 0, 0; `pad`: centred, the rest is padding). */
  offset: { left: number; top: number };
}

/** Sizes of the resize, the crop box and the padding for an image (exported for tests and the overlay). */
export function geometry(width: number, height: number, config: Pick<PreprocessConfig, 'size' | 'cropPct' | 'resize'>): Geometry {
  return config.resize === 'pad' ? padGeometry(width, height, config.size) : cropGeometry(width, height, config.size, config.cropPct);
}

function cropGeometry(width: number, height: number, size: number, cropPct: number): Geometry {
  // timm's eval transform: scale_size = floor(img_size / crop_pct); torchvision's Resize(int) keeps
  // the aspect ratio with the longer side truncated, and CenterCrop rounds half to even (Python's round).
  const shorter = Math.floor(size / cropPct);
  const resizedWidth = width <= height ? shorter : Math.floor((shorter * width) / height);
  const resizedHeight = width <= height ? Math.floor((shorter * height) / width) : shorter;
  const crop = { left: roundHalfEven((resizedWidth - size) / 2), top: roundHalfEven((resizedHeight - size) / 2), width: size, height: size };
  return { resizedWidth, resizedHeight, crop, offset: { left: 0, top: 0 } };
}

/**
 * timm's ResizeKeepRatio(longest=1) + CenterCropOrPad at crop_pct 1: the longer side becomes
 * `size`, the shorter round(short * size / long) (Python's round), and the padding splits as
 * torchvision's pad does, floor((size - side) / 2) before and the rest after. crop_pct is not
 * applied: a pad mode that then cut the longer side would defeat its purpose.
 */
function padGeometry(width: number, height: number, size: number): Geometry {
  const long = Math.max(width, height);
  const side = (s: number) => (s === long ? size : Math.max(1, roundHalfEven((s * size) / long)));
  const resizedWidth = side(width);
  const resizedHeight = side(height);
  return {
    resizedWidth,
    resizedHeight,
    crop: { left: 0, top: 0, width: resizedWidth, height: resizedHeight },
    offset: { left: Math.floor((size - resizedWidth) / 2), top: Math.floor((size - resizedHeight) / 2) },
  };
}

/**
 * Place the normalised, resized image on a size x size canvas of zeros. The padding is the mean
 * colour (0 after normalisation), as timm's crop_mode='border' fills with the mean, not black:
 * it is the value the convolutions' own zero padding already puts beyond every border, so the
 * model sees "no signal" there instead of a hard black edge whose position (top/bottom vs
 * left/right) gives away the aspect ratio, a shortcut when aspect ratio correlates with the label
 * (portable vs fixed X-ray units). Training, evaluation, prediction and export all come here.
 */
function padToSquare(kept: Float32Array, g: Geometry, size: number): Float32Array {
  const out = new Float32Array(size * size * 3);
  const row = g.crop.width * 3;
  for (let y = 0; y < g.crop.height; y++) {
    out.set(kept.subarray(y * row, (y + 1) * row), ((g.offset.top + y) * size + g.offset.left) * 3);
  }
  return out;
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function checkConfig(c: PreprocessConfig): void {
  if (!Number.isInteger(c.size) || c.size < 1) throw validation(`Input size must be a positive whole number of pixels, got ${c.size}.`);
  if (!(c.cropPct > 0 && c.cropPct <= 1)) throw validation(`crop_pct must be in (0, 1], got ${c.cropPct}.`);
  if (!RESIZE_MODES.includes(c.resize)) throw validation(`Resize mode must be ${RESIZE_MODES.join(' or ')}, got ${String(c.resize)}.`);
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
  const pad = config.resize === 'pad';
  return {
    format: 'labeltune-preprocessing',
    version: 1,
    output: { layout: 'NHWC', channels: 'RGB', dtype: 'float32', height: config.size, width: config.size },
    inputSize: config.size,
    /** Files without it (written before pad existed) are 'crop'. */
    resize: config.resize,
    cropPct: config.cropPct,
    /** `crop`: the shorter side after the resize; `pad`: null (the longer side becomes inputSize). */
    resizeShorterSide: pad ? null : shorter,
    padValue: pad ? 'mean (0 after normalisation)' : null,
    interpolation: config.interpolation,
    mean: [...config.mean],
    std: [...config.std],
    window: config.window ? { ...config.window } : null,
    steps: [
      '8-bit samples: x / 255. Deeper or float samples: clamp((x - (center - width / 2)) / width, 0, 1) with the window above, or the image\'s own (DICOM WindowCenter/WindowWidth, else the sample range) when null.',
      'Drop the alpha channel of RGBA images.',
      ...(pad ? padSteps(config) : cropSteps(config, shorter)),
      'Grey images: copy the one channel to R, G and B.',
      'Per channel: (x - mean) / std.',
    ],
  };
}

function cropSteps(config: PreprocessConfig, shorter: number): string[] {
  return [
    `Resize so the shorter side is ${shorter} px (floor(${config.size} / ${config.cropPct})); longer side floor(${shorter} * long / short); ${config.interpolation} filter with antialiasing, as PIL Image.resize.`,
    `Centre crop ${config.size} x ${config.size}; offsets round((resized - ${config.size}) / 2), halves to even.`,
  ];
}

function padSteps(config: PreprocessConfig): string[] {
  return [
    `Resize so the longer side is ${config.size} px; shorter side round(${config.size} * short / long), halves to even, at least 1; ${config.interpolation} filter with antialiasing, as PIL Image.resize. Nothing is cropped.`,
    `Pad to ${config.size} x ${config.size} with the mean colour (0 after the normalisation below): floor((${config.size} - resized) / 2) px before (left / top), the rest after.`,
  ];
}

export type PreprocessingDescription = ReturnType<typeof describePreprocessing>;
