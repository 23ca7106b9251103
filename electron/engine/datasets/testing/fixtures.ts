import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { encodeGrey16Png } from '../demo/png16.ts';

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
export const MIXED_GOOD = ['png8-grey.png', 'png8-grey-copy.png', 'png8-rgb.png', 'png16.png', 'photo.jpg', 'scan.tiff', 'ünïcödé 画像.png'];
export const MIXED_BAD: Record<string, string> = { 'corrupt.png': 'corrupt', 'empty.png': 'empty', 'notes.txt': 'not-an-image', 'pipe': 'unreadable' };

/**
 * A folder with one of each kind of file an import meets: 8/16-bit PNG, JPEG, TIFF, a unicode
 * name, a re-encoded duplicate (other bytes, same pixels), a truncated PNG, a zero-byte file, a
 * text file and a named pipe (not a regular file; the tests run as root, so chmod cannot make a
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
  w('ünïcödé 画像.png', await rawPng(pattern(40, 40, 1, 5), 40, 40, 1));
  const good = await rawPng(pattern(64, 64, 1, 6), 64, 64, 1);
  w('corrupt.png', good.subarray(0, Math.floor(good.length / 2)));
  w('empty.png', '');
  w('notes.txt', 'These are my notes about the scans.\nNothing to import here.\n');
  execFileSync('mkfifo', [join(dir, 'pipe')]);
}
