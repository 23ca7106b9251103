import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { encodeTiff } from '../decode/test-images.ts';
import { encodeGrey16Png, pngChunk } from '../png16.ts';

/** A smooth pattern with texture, so perceptual hashes of different fixtures differ clearly. */
export function pattern(width: number, height: number, channels: 1 | 3, seed: number): Uint8Array {
  const out = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        const v = 128 + 90 * Math.sin((x * (seed + 1)) / 9 + c) * Math.cos((y * (seed + 2)) / 11) + ((x * 7 + y * 13 + seed) % 5);
        out[(y * width + x) * channels + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return out;
}

/** PNG of raw samples; grey stays one channel (sharp would otherwise write RGB). */
export const rawPng = (px: Uint8Array, w: number, h: number, ch: 1 | 3, level = 6) =>
  sharp(Buffer.from(px), { raw: { width: w, height: h, channels: ch } })
    .toColourspace(ch === 1 ? 'b-w' : 'srgb')
    .png({ compressionLevel: level })
    .toBuffer();

/** 16-bit grey samples between `lo` and `hi` (a diagonal ramp). */
export function ramp16(width: number, height: number, lo: number, hi: number): Uint16Array {
  const out = new Uint16Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[y * width + x] = Math.round(lo + ((hi - lo) * (x + y)) / (width + height - 2));
  return out;
}

/** The files of the mixed import fixture and what the import must say about each. */
export const MIXED_GOOD = ['png8-grey.png', 'png8-grey-copy.png', 'png8-rgb.png', 'png16.png', 'photo.jpg', 'scan.tiff', 'scan16.tiff', 'ünïcödé 画像.png'];
export const MIXED_BAD: Record<string, string> = {
  'corrupt.png': 'corrupt',
  'empty.png': 'empty',
  'notes.txt': 'not-an-image',
  pipe: 'unreadable',
  'bomb.png': 'too-large',
};

/** A tiny PNG whose header declares 60000 x 60000 pixels (3.6 gigapixels): a decompression bomb. */
export function bombPng(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(60000, 0);
  ihdr.writeUInt32BE(60000, 4);
  ihdr[8] = 8;
  // The limit is checked on the header, before any pixel is inflated: a short IDAT is enough.
  const idat = deflateSync(Buffer.alloc(60001 * 16));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', idat), pngChunk('IEND', Buffer.alloc(0))]);
}

/**
 * A folder with one of each kind of file an import meets: 8/16-bit PNG, JPEG, 8/16-bit TIFF, a unicode
 * name, a re-encoded duplicate (other bytes, same pixels), a truncated PNG, a zero-byte file, a
 * text file, a decompression bomb and a named pipe (not a regular file; the tests run as root, so chmod cannot make a
 * file unreadable).
 */
export async function writeMixedFolder(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const grey = pattern(64, 48, 1, 1);
  const w = (name: string, bytes: Buffer | string) => writeFileSync(join(dir, name), bytes);
  w('png8-grey.png', await rawPng(grey, 64, 48, 1, 6));
  w('png8-grey-copy.png', await rawPng(grey, 64, 48, 1, 1));
  w('png8-rgb.png', await rawPng(pattern(80, 60, 3, 2), 80, 60, 3));
  w('png16.png', encodeGrey16Png(300, 200, ramp16(300, 200, 1000, 5000)));
  w('photo.jpg', await sharp(Buffer.from(pattern(120, 90, 3, 3)), { raw: { width: 120, height: 90, channels: 3 } }).jpeg().toBuffer());
  w('scan.tiff', await sharp(Buffer.from(pattern(50, 70, 1, 4)), { raw: { width: 50, height: 70, channels: 1 } }).tiff().toBuffer());
  w('scan16.tiff', encodeTiff(ramp16(60, 40, 20000, 30000), 60, 40, 1));
  w('ünïcödé 画像.png', await rawPng(pattern(40, 40, 1, 5), 40, 40, 1));
  const good = await rawPng(pattern(64, 64, 1, 6), 64, 64, 1);
  w('corrupt.png', good.subarray(0, Math.floor(good.length / 2)));
  w('empty.png', '');
  w('notes.txt', 'These are my notes about the scans.\nNothing to import here.\n');
  w('bomb.png', bombPng());
  execFileSync('mkfifo', [join(dir, 'pipe')]);
}

/** Decodes a JPEG with sharp, keeping grey as one channel. */
export async function decodeSharp(jpeg: Buffer, channels: 1 | 3) {
  const { data, info } = await sharp(jpeg).toColourspace(channels === 1 ? 'b-w' : 'srgb').raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height, channels: info.channels };
}

/** Peak signal-to-noise ratio of two 8-bit sample arrays, in dB (Infinity when equal). */
export function psnr(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return sum === 0 ? Infinity : 10 * Math.log10((255 * 255) / (sum / a.length));
}
