import { describe, expect, it } from 'vitest';
import type { DecodedImage } from '../../../shared/domain/pixels.ts';
import { shrinkImage } from './shrink.ts';

function image(data: Uint8Array | Uint16Array | Float32Array, width: number, height: number, channels: 1 | 3 | 4): DecodedImage {
  return { width, height, channels, bitDepth: data instanceof Uint8Array ? 8 : 16, data, window: { center: 3000, width: 4000 } };
}

describe('shrinkImage', () => {
  it('halves a 16-bit grey ramp keeping sample values (no rescale, no gamma) and the window', async () => {
    const data = new Uint16Array(512 * 256);
    for (let i = 0; i < data.length; i++) data[i] = 1000 + (i % 512) * 7;
    const small = await shrinkImage(image(data, 512, 256, 1), 256);
    expect([small.width, small.height, small.channels]).toEqual([256, 128, 1]);
    expect(small.data).toBeInstanceOf(Uint16Array);
    // Column x of the result averages columns 2x and 2x+1 of the ramp.
    const row = Array.from(small.data.subarray(64 * 256, 65 * 256));
    expect(Math.abs(row[0] - 1003.5)).toBeLessThanOrEqual(4);
    expect(Math.abs(row[128] - (1000 + 256.5 * 7))).toBeLessThanOrEqual(4);
    expect(Math.abs(row[255] - (1000 + 510.5 * 7))).toBeLessThanOrEqual(4);
    expect(small.window).toEqual({ center: 3000, width: 4000 });
  });

  it('keeps 8-bit RGB colours and leaves small or float images alone', async () => {
    const rgb = new Uint8Array(400 * 400 * 3);
    for (let i = 0; i < rgb.length; i += 3) rgb.set([200, 100, 50], i);
    const small = await shrinkImage(image(rgb, 400, 400, 3), 256);
    expect([small.width, small.height, small.channels]).toEqual([256, 256, 3]);
    expect(Array.from(small.data.subarray(0, 3))).toEqual([200, 100, 50]);
    const tiny = image(new Uint8Array(100), 10, 10, 1);
    expect(await shrinkImage(tiny, 256)).toBe(tiny);
    const float = image(new Float32Array(600 * 600), 600, 600, 1);
    expect(await shrinkImage(float, 256)).toBe(float);
  });
});
