import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../shared/random.ts';
import { pngChunk } from '../png16.ts';
import { decodeBuffer } from './index.ts';
import { bombPng } from '../testing/fixtures.ts';
import { decodePngFast } from './png-fast.ts';

const MAX = 100_000_000;

/** Smooth ramps plus noise: every filter has real work to do and every sample value differs by position. */
function samples(width: number, height: number, channels: number, depth: 8 | 16, seed: number): Uint8Array | Uint16Array {
  const random = mulberry32(seed);
  const top = depth === 8 ? 255 : 65535;
  const out = depth === 8 ? new Uint8Array(width * height * channels) : new Uint16Array(width * height * channels);
  for (let i = 0; i < out.length; i++) out[i] = Math.min(top, Math.floor(((i % (width * channels)) / (width * channels)) * top * 0.8 + random() * top * 0.2));
  return out;
}

/** A PNG whose rows use the given filter types in turn (row y uses filters[y % filters.length]). */
function encodePng(px: Uint8Array | Uint16Array, width: number, height: number, channels: 1 | 3, filters: number[], extra: Buffer[] = []): Buffer {
  const depth = px instanceof Uint16Array ? 16 : 8;
  const bpp = channels * (depth / 8);
  const rowBytes = width * bpp;
  const bytes = Buffer.alloc(rowBytes * height);
  for (let i = 0; i < px.length; i++) {
    if (depth === 16) bytes.writeUInt16BE(px[i], i * 2);
    else bytes[i] = px[i];
  }
  const raw = Buffer.alloc((rowBytes + 1) * height);
  for (let y = 0; y < height; y++) {
    const f = filters[y % filters.length];
    raw[y * (rowBytes + 1)] = f;
    for (let x = 0; x < rowBytes; x++) {
      const at = (i: number, row: number) => (row < 0 || i < 0 ? 0 : bytes[row * rowBytes + i]);
      const [a, b, c] = [at(x - bpp, y), at(x, y - 1), at(x - bpp, y - 1)];
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][f];
      raw[y * (rowBytes + 1) + 1 + x] = (bytes[y * rowBytes + x] - predictor) & 255;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = depth;
  ihdr[9] = channels === 1 ? 0 : 2;
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, pngChunk('IHDR', ihdr), ...extra, pngChunk('IDAT', deflateSync(raw)), pngChunk('IEND', Buffer.alloc(0))]);
}

async function expectSameAsDecode(file: Buffer): Promise<void> {
  const fast = decodePngFast(file, MAX);
  expect(fast).not.toBeNull();
  const slow = await decodeBuffer(file, 'x.png');
  expect(fast!.info).toEqual(slow.info);
  expect(JSON.stringify(fast!.info.metadata)).toBe(JSON.stringify(slow.info.metadata));
  const [a, b] = [fast!.frames[0], slow.frames[0]];
  expect({ ...a, data: null }).toEqual({ ...b, data: null });
  expect(a.data.constructor).toBe(b.data.constructor);
  expect(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength))).toBe(true);
}

describe('decodePngFast gives the bytes decode/ gives', () => {
  const layouts = [
    [1, 8],
    [1, 16],
    [3, 8],
    [3, 16],
  ] as const;

  it.each(layouts)('every filter type, %i channel(s) at %i bits, odd sizes', async (channels, depth) => {
    for (const filters of [[0], [1], [2], [3], [4], [4, 3, 2, 1, 0]]) {
      const [w, h] = [37, 23];
      await expectSameAsDecode(encodePng(samples(w, h, channels, depth, w + filters[0]), w, h, channels, filters));
    }
  });

  it.each(layouts)('libpng adaptive filtering (files written by sharp), %i channel(s) at %i bits', async (channels, depth) => {
    const [w, h] = [64, 48];
    const px = samples(w, h, channels, depth, 7);
    const space = channels === 1 ? (depth === 8 ? 'b-w' : 'grey16') : depth === 8 ? 'srgb' : 'rgb16';
    const file = await sharp(Buffer.from(px.buffer), { raw: { width: w, height: h, channels } }).toColourspace(space).png({ adaptiveFiltering: true, compressionLevel: 9 }).toBuffer();
    await expectSameAsDecode(file);
  });

  it('reads text chunks past and decodes split IDAT data', async () => {
    const px = samples(30, 30, 1, 16, 3);
    const file = encodePng(px, 30, 30, 1, [4], [pngChunk('tEXt', Buffer.from('Comment\0scan 12', 'latin1'))]);
    // Split the one IDAT chunk into two: decoders must concatenate them.
    const at = file.indexOf('IDAT', 0, 'latin1') - 4;
    const length = file.readUInt32BE(at);
    const data = file.subarray(at + 8, at + 8 + length);
    const split = Buffer.concat([file.subarray(0, at), pngChunk('IDAT', data.subarray(0, 10)), pngChunk('IDAT', data.subarray(10)), file.subarray(at + 12 + length)]);
    await expectSameAsDecode(split);
    expect(Array.from(decodePngFast(split, MAX)!.frames[0].data.subarray(0, 30))).toEqual(Array.from(px.subarray(0, 30)));
  });
});

describe('decodePngFast leaves everything else to decode/', () => {
  const grey = encodePng(samples(16, 16, 1, 8, 1), 16, 16, 1, [0]);

  it('returns null for palette, alpha, interlaced, colour-managed, truncated, corrupt and too large files', async () => {
    const rgba = await sharp(Buffer.alloc(16 * 16 * 4, 9), { raw: { width: 16, height: 16, channels: 4 } }).png().toBuffer();
    const palette = await sharp(Buffer.from(samples(16, 16, 3, 8, 2)), { raw: { width: 16, height: 16, channels: 3 } }).png({ palette: true }).toBuffer();
    const interlaced = await sharp(Buffer.from(samples(16, 16, 3, 8, 2)), { raw: { width: 16, height: 16, channels: 3 } }).png({ progressive: true }).toBuffer();
    const gamma = encodePng(samples(16, 16, 1, 8, 1), 16, 16, 1, [0], [pngChunk('gAMA', Buffer.from([0, 0, 0xb1, 0x8f]))]);
    const badCrc = Buffer.from(grey);
    badCrc[badCrc.length - 20] ^= 0xff; // inside the IDAT data: its CRC no longer matches
    const unknownFilter = encodePng(samples(16, 16, 1, 8, 1), 16, 16, 1, [5]);
    const files = { rgba, palette, interlaced, gamma, truncated: grey.subarray(0, grey.length - 30), badCrc, unknownFilter, bomb: bombPng() };
    const decoded = Object.fromEntries(Object.entries(files).map(([name, file]) => [name, decodePngFast(file, MAX)]));
    expect(decoded).toEqual(Object.fromEntries(Object.keys(files).map((name) => [name, null])));
    expect(decodePngFast(grey, 255)).toBeNull(); // 256 pixels, above a limit of 255
    expect(decodePngFast(grey, 256)?.frames[0].width).toBe(16);
  });
});
