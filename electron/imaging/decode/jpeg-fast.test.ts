import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeBuffer } from './index.ts';
import { pattern } from '../testing/fixtures.ts';
import { decodeJpegFast, readJpegHeader } from './jpeg-fast.ts';

const MAX = 100_000_000;

async function expectSameAsDecode(file: Buffer): Promise<void> {
  const fast = await decodeJpegFast(file, MAX);
  expect(fast).not.toBeNull();
  const slow = await decodeBuffer(file, 'x.jpg');
  expect(JSON.stringify(fast!.info)).toBe(JSON.stringify(slow.info));
  const [a, b] = [fast!.frames[0], slow.frames[0]];
  expect({ ...a, data: null }).toEqual({ ...b, data: null });
  expect(a.data).toBeInstanceOf(Uint8Array);
  expect(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength))).toBe(true);
}

const raw = (w: number, h: number, channels: 1 | 3, seed: number) => sharp(Buffer.from(pattern(w, h, channels, seed)), { raw: { width: w, height: h, channels } });

describe('decodeJpegFast gives the bytes decode/ gives', () => {
  it('for colour and grey, baseline and progressive, with and without an upright EXIF block', async () => {
    const files = [
      await raw(97, 61, 3, 1).jpeg({ quality: 90 }).toBuffer(),
      await raw(97, 61, 3, 2).jpeg({ quality: 75, progressive: true, chromaSubsampling: '4:4:4' }).toBuffer(),
      await raw(64, 40, 1, 3).toColourspace('b-w').jpeg({ quality: 90 }).toBuffer(),
      await raw(50, 30, 3, 4).jpeg().withMetadata({ orientation: 1 }).toBuffer(),
    ];
    for (const file of files) await expectSameAsDecode(file);
    expect(readJpegHeader(files[2])).toEqual({ width: 64, height: 40, components: 1 });
    expect(readJpegHeader(files[3])).toEqual({ width: 50, height: 30, components: 3 });
  });
});

describe('decodeJpegFast leaves everything else to decode/', () => {
  it('returns null for rotated, CMYK, truncated, non-JPEG and too large files', async () => {
    const ok = await raw(40, 20, 3, 5).jpeg().toBuffer();
    const files = {
      rotated: await raw(40, 20, 3, 5).jpeg().withMetadata({ orientation: 6 }).toBuffer(),
      cmyk: await raw(40, 20, 3, 5).toColourspace('cmyk').jpeg().toBuffer(),
      truncated: ok.subarray(0, ok.length - 40),
      png: await raw(40, 20, 3, 5).png().toBuffer(),
    };
    const decoded = Object.fromEntries(await Promise.all(Object.entries(files).map(async ([name, file]) => [name, await decodeJpegFast(file, MAX)])));
    expect(decoded).toEqual({ rotated: null, cmyk: null, truncated: null, png: null });
    expect(await decodeJpegFast(ok, 799)).toBeNull(); // 800 pixels, above a limit of 799
    expect((await decodeJpegFast(ok, 800))?.frames[0].width).toBe(40);
  });
});
