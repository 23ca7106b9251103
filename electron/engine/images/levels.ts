import type { PixelLevels } from '../../../shared/domain/images.ts';
import type { DecodedImage } from '../../../shared/domain/pixels.ts';

/** Samples read for the percentiles: enough for a stable 1st/99th percentile, quick on a 4k x 4k scan. */
const MAX_SAMPLES = 1 << 18;

/**
 * Min, max and the 0..100th percentiles of an image's stored values. Large images are read with a
 * stride (every n-th sample): the presets need the spread, not an exact order statistic.
 */
export function pixelLevels(img: Pick<DecodedImage, 'data'>): PixelLevels {
  const n = img.data.length;
  if (n === 0) return { min: 0, max: 0, percentiles: new Array<number>(101).fill(0) };
  const stride = Math.max(1, Math.ceil(n / MAX_SAMPLES));
  const sample = new Float64Array(Math.ceil(n / stride));
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0, k = 0; i < n; i += stride, k++) sample[k] = img.data[i];
  // min and max over every sample: a bright marker a stride skips would still set the full range.
  for (let i = 0; i < n; i++) {
    const v = img.data[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  sample.sort();
  const percentiles = Array.from({ length: 101 }, (_, p) => sample[Math.min(sample.length - 1, Math.round((p / 100) * (sample.length - 1)))]);
  percentiles[0] = min;
  percentiles[100] = max;
  return { min, max, percentiles };
}
