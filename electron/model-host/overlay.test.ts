import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { jet, renderOverlay } from './overlay.ts';

/** Mean of each channel of a PNG. */
async function channelMeans(png: Buffer): Promise<{ width: number; means: number[] }> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const means = [0, 0, 0];
  for (let p = 0; p < info.width * info.height; p++) for (let k = 0; k < 3; k++) means[k] += data[p * info.channels + k];
  return { width: info.width, means: means.map((m) => m / (info.width * info.height)) };
}

describe('Grad-CAM overlay', () => {
  it('blends the heatmap over the image at the requested size, everywhere', async () => {
    // A uniform mid-grey 16-bit image (window 0..65535) and a uniform 0.5 heatmap: every pixel is
    // 0.55 · 128 + 0.45 · jet(0.5).
    const w = 300;
    const h = 200;
    const img = { width: w, height: h, channels: 1 as const, bitDepth: 16, data: new Uint16Array(w * h).fill(32768), window: { center: 32768, width: 65536 } };
    const cam = { width: 7, height: 7, values: new Float32Array(49).fill(0.5) };
    const png = await renderOverlay(img, cam, { size: 224, cropPct: 0.875, resize: 'crop' }, 256);
    const { width, means } = await channelMeans(png);
    expect(width).toBe(256);
    const expected = jet(0.5).map((c) => 0.55 * 128 + 0.45 * c);
    means.forEach((m, k) => expect(Math.abs(m - expected[k])).toBeLessThan(3));
  });

  it('puts the heat where the map is hot', async () => {
    const img = { width: 64, height: 64, channels: 1 as const, bitDepth: 8, data: new Uint8Array(64 * 64).fill(0), window: null };
    const values = new Float32Array(16);
    values[0] = 1; // top-left cell of a 4×4 map
    const png = await renderOverlay(img, { width: 4, height: 4, values }, { size: 64, cropPct: 1, resize: 'crop' }, 64);
    const { data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    const red = (x: number, y: number) => data[(y * 64 + x) * 3];
    expect(red(2, 2)).toBeGreaterThan(red(60, 60) + 20); // jet(1) is red, jet(0) dark blue
  });

  it('shows the padded view in pad mode: the whole wide image in the middle rows, grey bands above and below', async () => {
    // A white 64x32 image, padded to 64x64: rows 16..47 are the image, the rest is padding.
    const img = { width: 64, height: 32, channels: 1 as const, bitDepth: 8, data: new Uint8Array(64 * 32).fill(255), window: null };
    const cam = { width: 4, height: 4, values: new Float32Array(16) };
    const png = await renderOverlay(img, cam, { size: 64, cropPct: 0.875, resize: 'pad' }, 64, 0);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([64, 64]);
    const grey = (x: number, y: number) => data[(y * 64 + x) * 3];
    for (const x of [0, 31, 63]) {
      expect([grey(x, 4), grey(x, 24), grey(x, 40), grey(x, 60)]).toEqual([128, 255, 255, 128]);
    }
  });
});
