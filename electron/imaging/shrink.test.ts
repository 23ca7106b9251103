import { describe, expect, it } from 'vitest';
import type { DecodedImage } from '../../shared/domain/pixels.ts';
import { shrinkImage } from './shrink.ts';

function image(data: Uint8Array | Uint16Array | Float32Array, width: number, height: number, channels: 1 | 3 | 4): DecodedImage {
  return { width, height, channels, bitDepth: data instanceof Uint8Array ? 8 : 16, data, window: { center: 3000, width: 4000 } };
}

describe('shrinkImage', () => {
  it('halves a 16-bit grey ramp keeping sample values (no rescale, no gamma) and the window', () => {
    const data = new Uint16Array(512 * 256);
    for (let i = 0; i < data.length; i++) data[i] = 1000 + (i % 512) * 7;
    const small = shrinkImage(image(data, 512, 256, 1), 256);
    expect([small.width, small.height, small.channels]).toEqual([256, 128, 1]);
    expect(small.data).toBeInstanceOf(Uint16Array);
    // Column x of the result is the mean of columns 2x and 2x+1, rounded.
    const row = Array.from(small.data.subarray(64 * 256, 65 * 256));
    expect(row[0]).toBe(Math.round(1003.5));
    expect(row[128]).toBe(Math.round(1000 + 256.5 * 7));
    expect(row[255]).toBe(Math.round(1000 + 510.5 * 7));
    expect(small.window).toEqual({ center: 3000, width: 4000 });
  });

  it('halves RGB by the rounded mean of each 2x2 block, channel by channel (8 and 16 bits)', () => {
    for (const Type of [Uint8Array, Uint16Array]) {
      const data = new Type(512 * 512 * 3);
      // Pixel (x, y): R = x % 7, G = y % 5 * 10, B = 200 (+1 on odd x): blocks with known means.
      for (let y = 0; y < 512; y++) for (let x = 0; x < 512; x++) data.set([x % 7, (y % 5) * 10, 200 + (x % 2)], (y * 512 + x) * 3);
      const small = shrinkImage(image(data, 512, 512, 3), 256);
      expect(small.data).toBeInstanceOf(Type);
      const px = (x: number, y: number) => Array.from(small.data.subarray((y * 256 + x) * 3, (y * 256 + x) * 3 + 3));
      expect(px(0, 0)).toEqual([1, 5, 201]); // R (0+1+0+1)/4 = 0.5 -> 1; G (0+0+10+10)/4 = 5; B 200.5 -> 201
      expect(px(3, 2)).toEqual([Math.round((6 + 0 + 6 + 0) / 4), Math.round((40 + 40 + 0 + 0) / 4), 201]);
    }
  });

  it('weights partly covered source pixels by their coverage (3 -> 2 columns)', () => {
    // Output 0 covers source 0 fully and half of source 1; output 1 the other half of 1 and all of 2.
    const small = shrinkImage(image(new Uint8Array([0, 90, 180, 0, 90, 180, 0, 90, 180]), 3, 3, 1), 2);
    expect([small.width, small.height]).toEqual([2, 2]);
    expect(Array.from(small.data)).toEqual([30, 150, 30, 150]);
  });

  it('keeps 8-bit RGB colours and float samples, and leaves small images alone', () => {
    const rgb = new Uint8Array(400 * 400 * 3);
    for (let i = 0; i < rgb.length; i += 3) rgb.set([200, 100, 50], i);
    const small = shrinkImage(image(rgb, 400, 400, 3), 256);
    expect([small.width, small.height, small.channels]).toEqual([256, 256, 3]);
    expect(Array.from(small.data.subarray(0, 3))).toEqual([200, 100, 50]);
    expect(Array.from(small.data.subarray(-3))).toEqual([200, 100, 50]);
    const tiny = image(new Uint8Array(100), 10, 10, 1);
    expect(shrinkImage(tiny, 256)).toBe(tiny);
    const float = new Float32Array(600 * 300).map((_, i) => ((i % 600) < 300 ? -1000.5 : 250.25));
    const shrunk = shrinkImage(image(float, 600, 300, 1), 256);
    expect(shrunk.data).toBeInstanceOf(Float32Array);
    expect([shrunk.width, shrunk.height]).toEqual([256, 128]);
    expect([shrunk.data[0], shrunk.data[255]]).toEqual([-1000.5, 250.25]);
  });
});
