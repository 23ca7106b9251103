import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { isEngineError } from '../../../shared/contract/errors.ts';
import { decodeBuffer, decodeFile, sniffFormat } from './index.ts';
import { blobImage, encodeBmp, encodeTiff, pngWithHeader } from './test-images.ts';

const dir = mkdtempSync(join(tmpdir(), 'labeltune-decode-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, bytes: Buffer | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

async function decodeError(path: string, opts?: { maxPixels?: number; frame?: number }) {
  const error = await decodeFile(path, opts).then(
    () => null,
    (e: unknown) => e,
  );
  if (!isEngineError(error)) throw new Error(`expected an EngineError, got ${String(error)}`);
  return error;
}

const ramp16 = Uint16Array.from({ length: 6 * 4 }, (_, i) => i * 2731 + 5); // 5 .. 62818

describe('raster formats via sharp', () => {
  it('decodes 16-bit grey PNG samples exactly and keeps 16-bit depth', async () => {
    const png = await sharp(ramp16, { raw: { width: 6, height: 4, channels: 1 } }).toColourspace('grey16').png().toBuffer();
    const { info, frames } = await decodeFile(write('ramp16.png', png));
    expect(info).toMatchObject({ format: 'png', frames: 1, modality: null, groupId: null });
    expect(frames[0]).toMatchObject({ width: 6, height: 4, channels: 1, bitDepth: 16 });
    expect(frames[0].data).toBeInstanceOf(Uint16Array);
    expect(Array.from(frames[0].data)).toEqual(Array.from(ramp16));
    // Sample-range window: first level 5, last level 62818.
    expect(frames[0].window).toEqual({ center: 5 + 62814 / 2, width: 62814 });
  });

  it('decodes 16-bit RGB PNG and 8-bit RGBA PNG with their channels', async () => {
    const rgb16 = Uint16Array.from({ length: 2 * 2 * 3 }, (_, i) => 1000 * i + 1);
    const png16 = await sharp(rgb16, { raw: { width: 2, height: 2, channels: 3 } }).toColourspace('rgb16').png().toBuffer();
    const a = (await decodeBuffer(png16, 'rgb16.png')).frames[0];
    expect([a.channels, a.bitDepth, Array.from(a.data)]).toEqual([3, 16, Array.from(rgb16)]);
    const rgba = Uint8Array.from([255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0, 10, 20, 30, 40]);
    const png8 = await sharp(rgba, { raw: { width: 2, height: 2, channels: 4 } }).png().toBuffer();
    const b = (await decodeBuffer(png8, 'rgba.png')).frames[0];
    expect([b.channels, b.bitDepth, b.window, Array.from(b.data)]).toEqual([4, 8, null, Array.from(rgba)]);
  });

  it('decodes grey+alpha PNG as one grey channel', async () => {
    const ga = await sharp(Uint8Array.from([10, 255, 200, 255]), { raw: { width: 2, height: 1, channels: 2 } }).toColourspace('b-w').png().toBuffer();
    const img = (await decodeBuffer(ga, 'ga.png')).frames[0];
    expect([img.channels, Array.from(img.data)]).toEqual([1, [10, 200]]);
  });

  it('decodes 16-bit and 8-bit TIFF exactly', async () => {
    const t16 = (await decodeBuffer(encodeTiff(ramp16, 6, 4, 1), 'ramp16.tif')).frames[0];
    expect([t16.bitDepth, t16.channels, Array.from(t16.data)]).toEqual([16, 1, Array.from(ramp16)]);
    const rgb = blobImage(8, 5, 3);
    const t8 = await decodeBuffer(encodeTiff(rgb, 8, 5, 3), 'blob.tif');
    expect(t8.info.format).toBe('tiff');
    expect(Array.from(t8.frames[0].data)).toEqual(Array.from(rgb));
  });

  it('decodes lossless WebP exactly and JPEG close to its source', async () => {
    const rgb = blobImage(32, 24, 7);
    const raw = { raw: { width: 32, height: 24, channels: 3 as const } };
    const webp = await decodeBuffer(await sharp(rgb, raw).webp({ lossless: true }).toBuffer(), 'x.webp');
    expect(webp.info.format).toBe('webp');
    expect(Array.from(webp.frames[0].data)).toEqual(Array.from(rgb));
    const jpeg = (await decodeBuffer(await sharp(rgb, raw).jpeg({ quality: 95 }).toBuffer(), 'x.jpg')).frames[0];
    expect([jpeg.width, jpeg.height, jpeg.channels, jpeg.bitDepth]).toEqual([32, 24, 3, 8]);
    const meanAbs = Array.from(jpeg.data).reduce((s, v, i) => s + Math.abs(v - rgb[i]), 0) / rgb.length;
    expect(meanAbs).toBeLessThan(3);
  });

  it('decodes GIF (first frame) through its palette, as RGBA', async () => {
    const rgb = Uint8Array.from([255, 0, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0]);
    const gif = await sharp(rgb, { raw: { width: 2, height: 2, channels: 3 } }).gif().toBuffer();
    const { info, frames } = await decodeBuffer(gif, 'x.gif');
    // libvips reads GIF with an alpha channel (GIF transparency); here every pixel is opaque.
    const rgba = [255, 0, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 0, 255];
    expect([info.format, frames[0].channels, Array.from(frames[0].data)]).toEqual(['gif', 4, rgba]);
  });

  it('dispatches on content, not on the extension', async () => {
    const png = await sharp(Uint8Array.from([7, 8, 9]), { raw: { width: 3, height: 1, channels: 1 } }).toColourspace('b-w').png().toBuffer();
    const { info, frames } = await decodeFile(write('really-a-png.dcm', png));
    expect([info.format, Array.from(frames[0].data)]).toEqual(['png', [7, 8, 9]]);
    expect(sniffFormat(Buffer.from('II*\0'))).toBe('tiff');
    expect(sniffFormat(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toBe('webp');
  });
});

describe('BMP decoder', () => {
  const rgb = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90]); // 3x2

  it('decodes 24-bit bottom-up and top-down BMP to the same RGB pixels', async () => {
    for (const topDown of [false, true]) {
      const { info, frames } = await decodeBuffer(encodeBmp(rgb, 3, 2, { bpp: 24, topDown }), 'x.bmp');
      expect(info.format).toBe('bmp');
      expect([frames[0].width, frames[0].height, frames[0].channels]).toEqual([3, 2, 3]);
      expect(Array.from(frames[0].data)).toEqual(Array.from(rgb));
    }
  });

  it('decodes 32-bit BI_BITFIELDS BMP with alpha', async () => {
    const rgba = Uint8Array.from([1, 2, 3, 255, 4, 5, 6, 0, 7, 8, 9, 128]);
    const img = (await decodeBuffer(encodeBmp(rgba, 3, 1, { bpp: 32 }), 'a.bmp')).frames[0];
    expect([img.channels, Array.from(img.data)]).toEqual([4, Array.from(rgba)]);
  });

  it('decodes 8-bit paletted BMP: grey palette -> 1 channel, colour palette -> RGB', async () => {
    const grey = Array.from({ length: 256 }, (_, i) => [i, i, i] as [number, number, number]);
    const g = (await decodeBuffer(encodeBmp(Uint8Array.from([0, 100, 255, 3]), 2, 2, { bpp: 8, palette: grey }), 'g.bmp')).frames[0];
    expect([g.channels, Array.from(g.data)]).toEqual([1, [0, 100, 255, 3]]);
    const colours: [number, number, number][] = [[0, 0, 0], [255, 128, 0], [1, 2, 3]];
    const c = (await decodeBuffer(encodeBmp(Uint8Array.from([1, 2, 0]), 3, 1, { bpp: 8, palette: colours }), 'c.bmp')).frames[0];
    expect([c.channels, Array.from(c.data)]).toEqual([3, [255, 128, 0, 1, 2, 3, 0, 0, 0]]);
  });

  it('rejects a truncated BMP as validation', async () => {
    const bmp = encodeBmp(rgb, 3, 2, { bpp: 24 });
    const e = await decodeError(write('cut.bmp', bmp.subarray(0, bmp.length - 5)));
    expect([e.code, e.message]).toEqual(['validation', expect.stringMatching(/^cut\.bmp: .*truncated/)]);
  });
});

describe('bad input gets the error code the import report needs', () => {
  it('zero-byte file -> validation', async () => {
    const e = await decodeError(write('empty.png', ''));
    expect([e.code, e.message]).toEqual(['validation', expect.stringMatching(/^empty\.png: the file is empty/)]);
  });

  it('truncated PNG -> validation', async () => {
    const rgb = blobImage(64, 64, 1);
    const png = await sharp(rgb, { raw: { width: 64, height: 64, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
    const e = await decodeError(write('cut.png', png.subarray(0, Math.floor(png.length / 2))));
    expect([e.code, e.message]).toEqual(['validation', expect.stringContaining('cut.png: ')]);
  });

  it('text file named .png -> unsupported, saying it is text', async () => {
    const e = await decodeError(write('notes.png', 'patient list\nid,label\n'));
    expect([e.code, e.message]).toEqual(['unsupported', expect.stringMatching(/^notes\.png: is a text file/)]);
  });

  it('100000x100000 PNG header -> validation naming size and limit, without allocating the pixels', async () => {
    const before = process.memoryUsage().arrayBuffers;
    const e = await decodeError(write('bomb.png', pngWithHeader(100_000, 100_000)));
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(e.code).toBe('validation');
    expect(e.message).toContain('bomb.png: the image is 100000x100000');
    expect(e.message).toContain('limit of 100 megapixels');
    expect(e.details).toMatchObject({ width: 100_000, height: 100_000, limit: 100_000_000 });
    expect(grown).toBeLessThan(50 * 1024 * 1024); // 10 gigapixels were never allocated
  });

  it('maxPixels is honoured for ordinary images too', async () => {
    const png = await sharp(new Uint8Array(40 * 30), { raw: { width: 40, height: 30, channels: 1 } }).png().toBuffer();
    const e = await decodeError(write('small.png', png), { maxPixels: 1000 });
    expect([e.code, e.details]).toEqual(['validation', { file: 'small.png', width: 40, height: 30, limit: 1000 }]);
  });

  it('missing path -> not-found; folder -> validation; random bytes -> unsupported', async () => {
    const missing = await decodeError(join(dir, 'nope.png'));
    expect([missing.code, missing.message]).toEqual(['not-found', expect.stringMatching(/^nope\.png: the file does not exist/)]);
    mkdirSync(join(dir, 'folder.png'));
    expect((await decodeError(join(dir, 'folder.png'))).code).toBe('validation');
    const noise = Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 151 + 7) % 256));
    expect((await decodeError(write('noise.jpg', noise))).code).toBe('unsupported');
  });

  it('a frame that does not exist -> validation', async () => {
    const png = await sharp(new Uint8Array(4), { raw: { width: 2, height: 2, channels: 1 } }).png().toBuffer();
    const e = await decodeError(write('one.png', png), { frame: 3 });
    expect([e.code, e.message]).toEqual(['validation', 'one.png: has 1 page(s); page 3 does not exist.']);
  });
});
