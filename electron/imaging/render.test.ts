import { describe, expect, it } from 'vitest';
import { isEngineError } from '../../shared/contract/errors.ts';
import type { DecodedImage } from '../../shared/domain/pixels.ts';
import { decodeBuffer } from './decode/index.ts';
import { applyWindow, renderImage, toDisplayBytes } from './render.ts';

const grey16 = (data: number[], width: number, window: DecodedImage['window'] = null): DecodedImage => ({
  width,
  height: data.length / width,
  channels: 1,
  bitDepth: 16,
  data: Uint16Array.from(data),
  window,
});

async function pixels(png: Buffer) {
  const img = (await decodeBuffer(png, 'rendered.png')).frames[0];
  return { data: Array.from(img.data), width: img.width, height: img.height, channels: img.channels };
}

describe('applyWindow (DICOM linear VOI)', () => {
  it('maps a CT soft-tissue window (40/400) like PS3.3 C.11.2.1.2.1', () => {
    // Bottom edge c - 0.5 - (w-1)/2 = -160, top edge c - 0.5 + (w-1)/2 = 239.
    const out = applyWindow(Float32Array.from([-1000, -160, -159, 39.5, 139.25, 239, 239.01, 3000]), 40, 400);
    expect(Array.from(out)).toEqual([0, 0, 1, 128, 191, 255, 255, 255]);
  });

  it('width 1 is a threshold at the centre', () => {
    expect(Array.from(applyWindow([9, 9.5, 10, 11], 10, 1))).toEqual([0, 0, 255, 255]);
  });
});

describe('toDisplayBytes', () => {
  it('uses the image window for 16-bit data, the sample range when there is none, and passes 8-bit through', () => {
    expect(Array.from(toDisplayBytes(grey16([0, 500, 1000], 3, { center: 500.5, width: 1001 })))).toEqual([0, 128, 255]);
    expect(Array.from(toDisplayBytes(grey16([100, 300, 200, 100], 2)))).toEqual([0, 255, 128, 0]);
    const eight: DecodedImage = { width: 2, height: 1, channels: 1, bitDepth: 8, data: Uint8Array.from([3, 250]), window: null };
    expect(Array.from(toDisplayBytes(eight))).toEqual([3, 250]);
  });
});

describe('renderImage', () => {
  it('renders a 16-bit image at a requested window as 8-bit PNG', async () => {
    const img = grey16([0, 1000, 2000, 3000], 4);
    const out = await pixels(await renderImage(img, { window: { center: 1500.5, width: 2001 } }));
    expect(out).toEqual({ data: [0, 64, 191, 255], width: 4, height: 1, channels: 1 });
  });

  it('scales the longest side to `size`, keeps the aspect ratio, and inverts on request', async () => {
    const data = Array.from({ length: 64 * 32 }, (_, i) => (i % 64 < 32 ? 0 : 4000));
    const img = grey16(data, 64);
    const out = await pixels(await renderImage(img, { size: 16, invert: true }));
    expect([out.width, out.height]).toEqual([16, 8]);
    expect([out.data[0], out.data[15]]).toEqual([255, 0]); // left half was dark, now bright
  });

  it('keeps RGB 8-bit pixels exactly in PNG and writes JPEG/WebP when asked', async () => {
    const rgb: DecodedImage = { width: 2, height: 1, channels: 3, bitDepth: 8, data: Uint8Array.from([255, 0, 0, 0, 0, 255]), window: null };
    expect((await pixels(await renderImage(rgb))).data).toEqual([255, 0, 0, 0, 0, 255]);
    const jpeg = await renderImage(rgb, { format: 'jpeg', quality: 90 });
    expect(Array.from(jpeg.subarray(0, 3))).toEqual([0xff, 0xd8, 0xff]);
    const webp = await renderImage(rgb, { format: 'webp' });
    expect(webp.toString('latin1', 8, 12)).toBe('WEBP');
  });

  it('refuses a nonsensical size or window with a validation error', async () => {
    const img = grey16([1, 2], 2);
    const bad = await renderImage(img, { size: 0 }).catch((e: unknown) => e);
    expect(isEngineError(bad) && bad.code).toBe('validation');
    const badWindow = await renderImage(img, { window: { center: 1, width: 0 } }).catch((e: unknown) => e);
    expect(isEngineError(badWindow) && badWindow.message).toMatch(/Window width 0/);
  });
});
