import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DecodedImage } from '../../../shared/domain/pixels.ts';
import { pretrainedConfig } from '../backbones/pretrained.ts';
import { type PreprocessConfig, describePreprocessing, geometry, preprocessConfigFor, preprocessImage } from './preprocess.ts';
import { coefficients } from './resample.ts';

const IMNET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;
const HALF = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] } as const;
const base: PreprocessConfig = { size: 2, cropPct: 1, ...HALF, interpolation: 'bilinear', window: null, resize: 'crop' };

function image(width: number, height: number, channels: 1 | 3 | 4, data: DecodedImage['data'], window: DecodedImage['window'] = null): DecodedImage {
  return { width, height, channels, bitDepth: data instanceof Uint8Array ? 8 : 16, data, window };
}

const close = (got: Float32Array, want: number[], digits = 6) => {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, digits));
};

describe('preprocessImage: hand-computed', () => {
  it('8-bit grey at its own size: /255, grey to RGB, (x - 0.5) / 0.5', () => {
    const out = preprocessImage(image(2, 2, 1, Uint8Array.from([0, 255, 51, 204])), base);
    // 0 -> -1, 255 -> 1, 51/255 = 0.2 -> -0.6, 204/255 = 0.8 -> 0.6; each repeated on R, G, B
    close(out, [-1, -1, -1, 1, 1, 1, -0.6, -0.6, -0.6, 0.6, 0.6, 0.6]);
  });

  it('RGBA drops alpha; a wide image is centre-cropped', () => {
    // 4x2 RGBA, pixel (x, y) = [x*50, y*100, 7, 0]: shorter side 2 -> no resize, crop columns 1..2
    const px = [];
    for (let y = 0; y < 2; y++) for (let x = 0; x < 4; x++) px.push(x * 50, y * 100, 7, 0);
    const out = preprocessImage(image(4, 2, 4, Uint8Array.from(px)), base);
    const v = (s: number) => s / 255 * 2 - 1;
    close(out, [v(50), v(0), v(7), v(100), v(0), v(7), v(50), v(100), v(7), v(100), v(100), v(7)]);
  });

  it('16-bit data goes through the image window, or the override', () => {
    const data = Uint16Array.from([0, 1000, 2000, 4000]);
    // window center 1000, width 2000: [0, 2000] -> [0, 1] => 0, 0.5, 1, 1 (clamped)
    close(preprocessImage(image(2, 2, 1, data, { center: 1000, width: 2000 }), base).filter((_, i) => i % 3 === 0), [-1, 0, 1, 1]);
    // override [0, 4000]: 0, 0.25, 0.5, 1
    const over = preprocessImage(image(2, 2, 1, data, { center: 1000, width: 2000 }), { ...base, window: { center: 2000, width: 4000 } });
    close(over.filter((_, i) => i % 3 === 0), [-1, -0.5, 0, 1]);
  });

  it('float data without a window uses its sample range (CT with negative HU)', () => {
    const out = preprocessImage(image(2, 2, 1, Float32Array.from([-1000, 0, 1000, 3000])), base);
    // range [-1000, 3000]: 0, 0.25, 0.5, 1
    close(out.filter((_, i) => i % 3 === 0), [-1, -0.5, 0, 1]);
  });

  it('shrinking 4x4 -> 2x2 averages with the widened triangle filter (antialiased, as Pillow)', () => {
    // scale 2: taps for output 0 are source 0, 1, 2 with weights 0.75, 0.75, 0.25 (normalised 3/7, 3/7, 1/7)
    const c = coefficients(4, 2, 'bilinear');
    expect(Array.from(c.first)).toEqual([0, 1]);
    expect(Array.from(c.weights.slice(0, 3))).toEqual([3 / 7, 3 / 7, 1 / 7]);
    // rows [0, 51, 102, 153] (0, .2, .4, .6): output 0 = (0*3 + .2*3 + .4) / 7 = 1/7, output 1 = (.2 + .4*3 + .6*3) / 7 = 3.2/7
    const row = [0, 51, 102, 153];
    const out = preprocessImage(image(4, 4, 1, Uint8Array.from([...row, ...row, ...row, ...row])), { ...base, mean: [0, 0, 0], std: [1, 1, 1] });
    close(out.filter((_, i) => i % 3 === 0), [1 / 7, 3.2 / 7, 1 / 7, 3.2 / 7]);
  });

  it('computes timm’s resize and crop geometry', () => {
    // resnet a1_in1k at 224: floor(224 / 0.95) = 235; 640x480 -> 313x235; crop offsets round-half-even(44.5) = 44, round(5.5) = 6
    expect(geometry(640, 480, { size: 224, cropPct: 0.95, resize: 'crop' })).toEqual({
      resizedWidth: 313, resizedHeight: 235, crop: { left: 44, top: 6, width: 224, height: 224 }, offset: { left: 0, top: 0 },
    });
    // vit augreg at 224: floor(224 / 0.9) = 248
    expect(geometry(512, 512, { size: 224, cropPct: 0.9, resize: 'crop' }).resizedWidth).toBe(248);
  });

  it('computes the pad geometry: longer side to size, crop_pct ignored, padding split floor / rest', () => {
    // 640x480 -> 224x168 (480 * 224 / 640 = 168), 56 rows of padding: 28 above, 28 below
    expect(geometry(640, 480, { size: 224, cropPct: 0.95, resize: 'pad' })).toEqual({
      resizedWidth: 224, resizedHeight: 168, crop: { left: 0, top: 0, width: 224, height: 168 }, offset: { left: 0, top: 28 },
    });
    // 37x100 tall: width 37 * 20 / 100 = 7.4 -> 7; 13 columns of padding: 6 left, 7 right
    expect(geometry(37, 100, { size: 20, cropPct: 1, resize: 'pad' })).toEqual({
      resizedWidth: 7, resizedHeight: 20, crop: { left: 0, top: 0, width: 7, height: 20 }, offset: { left: 6, top: 0 },
    });
    // Python's round: 21 * 20 / 40 = 10.5 -> 10 (halves to even)
    expect(geometry(40, 21, { size: 20, cropPct: 1, resize: 'pad' }).resizedHeight).toBe(10);
  });

  it('rejects bad configs and inconsistent images with clear messages', () => {
    expect(() => preprocessImage(image(2, 2, 1, Uint8Array.from([1, 2, 3])), base)).toThrow(/3 samples but 2x2x1 needs 4/);
    expect(() => preprocessImage(image(2, 2, 1, Uint8Array.from([1, 2, 3, 4])), { ...base, cropPct: 1.2 })).toThrow(/crop_pct must be in \(0, 1\], got 1\.2/);
    expect(() => preprocessImage(image(2, 2, 1, Uint16Array.from([1, 2, 3, 4])), { ...base, window: { center: 1, width: 0 } })).toThrow(/Window width must be positive/);
    const squash = { ...base, resize: 'squash' } as unknown as PreprocessConfig;
    expect(() => preprocessImage(image(2, 2, 1, Uint8Array.from([1, 2, 3, 4])), squash)).toThrow('Resize mode must be crop or pad, got squash.');
  });
});

/** A 40x20 grey 8-bit image whose pixel (x, y) is f(x): the pattern is in the columns. */
function wide(f: (x: number) => number): DecodedImage {
  const data = new Uint8Array(40 * 20);
  for (let y = 0; y < 20; y++) for (let x = 0; x < 40; x++) data[y * 40 + x] = f(x);
  return image(40, 20, 1, data);
}

/** Channel 0 of output row `y` (the image is grey, so R = G = B). */
const row = (out: Float32Array, size: number, y: number) => Array.from({ length: size }, (_, x) => out[(y * size + x) * 3]);

describe('preprocessImage: crop and pad on a 40x20 image to 20 px', () => {
  const cfg = (resize: PreprocessConfig['resize']): PreprocessConfig => ({ ...base, size: 20, resize });
  const unit = (v: number) => (v / 255 - 0.5) / 0.5;

  it('crop keeps columns 10..29 unresized (shorter side already 20) and cuts 10 columns on each side', () => {
    const out = preprocessImage(wide((x) => x * 6), cfg('crop'));
    expect(out.length).toBe(20 * 20 * 3);
    for (const y of [0, 7, 19]) close(Float32Array.from(row(out, 20, y)), Array.from({ length: 20 }, (_, j) => unit((j + 10) * 6)), 5);
    // The edge stripes (columns 0 and 39) are gone: every output pixel is black.
    const stripes = preprocessImage(wide((x) => (x === 0 || x === 39 ? 255 : 0)), cfg('crop'));
    expect(Math.max(...stripes)).toBe(-1);
  });

  it('pad keeps every source column: 20x10 resize, 5 rows of mean padding above and below', () => {
    const out = preprocessImage(wide((x) => (x === 0 || x === 39 ? 255 : 0)), cfg('pad'));
    expect(out.length).toBe(20 * 20 * 3);
    // Padding is the normalised zero (the mean), exactly, on all three channels.
    for (const y of [0, 4, 15, 19]) expect(out.subarray(y * 60, (y + 1) * 60).every((v) => v === 0)).toBe(true);
    // Output column 0 averages source columns 0, 1, 2 with weights 3/7, 3/7, 1/7 (antialiased
    // halving); column 19 sources 37, 38, 39 with 1/7, 3/7, 3/7: each edge stripe survives at 3/7.
    const edge = (3 / 7 - 0.5) / 0.5;
    for (let y = 5; y < 15; y++) close(Float32Array.from(row(out, 20, y)), [edge, ...Array(18).fill(-1), edge], 5);
  });

  it('pad of a ramp: every output column is the mean of its source columns, the row order kept', () => {
    // A linear ramp survives the symmetric filter: inner column o = source 2o + 0.5, i.e. 6 * (2o + 0.5).
    const out = preprocessImage(wide((x) => x * 6), cfg('pad'));
    const got = row(out, 20, 10);
    for (let o = 1; o < 19; o++) expect(got[o]).toBeCloseTo(unit(6 * (2 * o + 0.5)), 5);
    // A tall image pads left and right instead.
    const tall = preprocessImage(image(20, 40, 1, new Uint8Array(800).fill(255)), cfg('pad'));
    for (let y = 0; y < 20; y++) expect(row(tall, 20, y)).toEqual([...Array(5).fill(0), ...Array(10).fill(1), ...Array(5).fill(0)]);
  });
});

/*
 * Golden values (preprocess.golden.json) come from Pillow 9.4 + numpy (Debian python3-pil), run once:
 *
 * # Golden values for electron/training/preprocess/preprocess.test.ts, computed with Pillow 9.4 +
 * # numpy (Debian python3-pil, python3-numpy): PIL 'F' images resized per channel, then crop and
 * # normalise in float64. Run: /usr/bin/python3 golden.py > preprocess.golden.json
 * import json, math
 * import numpy as np
 * from PIL import Image
 *
 * def reference(img, size, crop_pct, mean, std, interp, window=None, eight_bit=False):
 *     h, w, c = img.shape
 *     if eight_bit:
 *         unit = img.astype(np.float64) / 255
 *     else:
 *         if window is None:
 *             lo_v, hi_v = float(img.min()), float(img.max())
 *             window = ((lo_v + hi_v) / 2, hi_v - lo_v)
 *         center, width = window
 *         unit = np.clip((img.astype(np.float64) - (center - width / 2)) / width, 0, 1)
 *     short = math.floor(size / crop_pct)
 *     if w <= h: nw, nh = short, math.floor(short * h / w)
 *     else: nw, nh = math.floor(short * w / h), short
 *     top, left = int(round((nh - size) / 2)), int(round((nw - size) / 2))
 *     f = {'bilinear': Image.BILINEAR, 'bicubic': Image.BICUBIC}[interp]
 *     chans = [np.asarray(Image.fromarray(unit[:, :, k].astype(np.float32), 'F').resize((nw, nh), f)) for k in range(c)]
 *     out = np.stack(chans, -1)[top:top + size, left:left + size]
 *     if c == 1: out = np.repeat(out, 3, -1)
 *     out = (out.astype(np.float64) - np.array(mean)) / np.array(std)
 *     return out.astype(np.float32)
 *
 * ys, xs = np.mgrid[0:29, 0:41]
 * a = np.stack([(xs * 37 + ys * 91 + k * 53 + xs * ys * 7) % 256 for k in range(3)], -1).astype(np.uint8)
 * ys, xs = np.mgrid[0:50, 0:30]
 * b = ((xs * 523 + ys * 1009) % 4096).astype(np.uint16)[:, :, None]
 * ys, xs = np.mgrid[0:5, 0:7]
 * c = (xs * 13 - ys * 29 - 100).astype(np.float32)[:, :, None] * 0.5
 * IMNET = ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
 * cases = {
 *   'rgb8': reference(a, 16, 0.875, *IMNET, 'bilinear', eight_bit=True),
 *   'grey16': reference(b, 20, 0.9, [0.5] * 3, [0.5] * 3, 'bicubic', window=(2000, 3000)),
 *   'ctFloat': reference(c, 12, 1.0, *IMNET, 'bilinear'),
 * }
 * print(json.dumps({k: {'shape': list(v.shape), 'values': [float(x) for x in v.reshape(-1)]} for k, v in cases.items()}))
 */
describe('preprocessImage: golden values from Pillow + numpy', () => {
  const golden = JSON.parse(readFileSync(new URL('./preprocess.golden.json', import.meta.url), 'utf8')) as Record<string, { shape: number[]; values: number[] }>;
  const maxAbsDiff = (got: Float32Array, want: number[]) => got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i])), 0);

  it('RGB 8-bit 41x29, bilinear, crop_pct 0.875 to 16 px, ImageNet mean/std', () => {
    const data = new Uint8Array(41 * 29 * 3);
    for (let y = 0; y < 29; y++) for (let x = 0; x < 41; x++) for (let k = 0; k < 3; k++) data[(y * 41 + x) * 3 + k] = (x * 37 + y * 91 + k * 53 + x * y * 7) % 256;
    const out = preprocessImage(image(41, 29, 3, data), { size: 16, cropPct: 0.875, ...IMNET, interpolation: 'bilinear', window: null, resize: 'crop' });
    expect(out.length).toBe(16 * 16 * 3);
    expect(maxAbsDiff(out, golden.rgb8.values)).toBeLessThan(2e-5);
  });

  it('grey 16-bit 30x50 with window (2000, 3000), bicubic, crop_pct 0.9 to 20 px', () => {
    const data = new Uint16Array(30 * 50);
    for (let y = 0; y < 50; y++) for (let x = 0; x < 30; x++) data[y * 30 + x] = (x * 523 + y * 1009) % 4096;
    const out = preprocessImage(image(30, 50, 1, data, { center: 2000, width: 3000 }), { size: 20, cropPct: 0.9, ...HALF, interpolation: 'bicubic', window: null, resize: 'crop' });
    expect(maxAbsDiff(out, golden.grey16.values)).toBeLessThan(2e-5);
  });

  it('float 7x5 with negatives and no window, upscaled to 12 px', () => {
    const data = new Float32Array(7 * 5);
    for (let y = 0; y < 5; y++) for (let x = 0; x < 7; x++) data[y * 7 + x] = (x * 13 - y * 29 - 100) * 0.5;
    const out = preprocessImage(image(7, 5, 1, data), { size: 12, cropPct: 1, ...IMNET, interpolation: 'bilinear', window: null, resize: 'crop' });
    expect(maxAbsDiff(out, golden.ctFloat.values)).toBeLessThan(2e-5);
  });
});

describe('describePreprocessing', () => {
  it('is the JSON exports write, from the pretrained config', () => {
    const cfg = preprocessConfigFor(pretrainedConfig('resnet50'));
    const d = describePreprocessing(cfg);
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
    expect(d).toMatchObject({
      format: 'labeltune-preprocessing',
      version: 1,
      inputSize: 224,
      cropPct: 0.95,
      resizeShorterSide: 235,
      interpolation: 'bilinear',
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      window: null,
      output: { layout: 'NHWC', channels: 'RGB', dtype: 'float32', height: 224, width: 224 },
    });
    expect(d.steps).toHaveLength(6);
    expect(d).toMatchObject({ resize: 'crop', padValue: null });
    const padded = describePreprocessing({ ...cfg, resize: 'pad' });
    expect(padded).toMatchObject({ resize: 'pad', resizeShorterSide: null, padValue: 'mean (0 after normalisation)' });
    expect(padded.steps.join('\n')).toContain('Resize so the longer side is 224 px');
    expect(padded.steps.join('\n')).not.toContain('Centre crop');
    const vit = describePreprocessing(preprocessConfigFor(pretrainedConfig('vit_small_patch16_224'), { size: 112, window: { center: 40, width: 400 } }));
    expect(vit).toMatchObject({ inputSize: 112, resizeShorterSide: 124, mean: [0.5, 0.5, 0.5], window: { center: 40, width: 400 } });
  });
});
