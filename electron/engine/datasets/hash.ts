import { createHash } from 'node:crypto';
import type { DecodedImage } from '../../../shared/domain/pixels.ts';
import { sampleRangeWindow } from './decode/window.ts';

/**
 * Identity of the decoded pixels, not of the file: a PNG re-saved as TIFF hashes the same, so
 * exact duplicates are found across formats. Covers size, channel count, the sample type class
 * (u8 / u16 / f32, not the nominal bit depth, so a 12-bit DICOM and a 16-bit PNG with the same
 * samples agree) and the samples themselves, little-endian.
 */
export function contentHash(img: DecodedImage): string {
  const sampleClass = img.data instanceof Uint8Array ? 'u8' : img.data instanceof Uint16Array ? 'u16' : 'f32';
  const hash = createHash('sha256');
  hash.update(`labeltune-pixels-v1 ${img.width}x${img.height}x${img.channels} ${sampleClass}\n`);
  hash.update(new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength));
  return hash.digest('hex');
}

const COLS = 9;
const ROWS = 8;

/**
 * 64-bit difference hash (dHash) as 16 hex characters: the image is windowed to 8-bit grey
 * (default window for >8-bit data, luma for colour), averaged down to a 9x8 grid, and each bit
 * says whether a cell is brighter than its right neighbour. Robust to resizing and recompression.
 */
export function perceptualHash(img: DecodedImage): string {
  const grid = greyGrid(img);
  let bits = 0n;
  for (let y = 0; y < ROWS; y++) {
    for (let x = 0; x < COLS - 1; x++) {
      bits = (bits << 1n) | (grid[y * COLS + x] > grid[y * COLS + x + 1] ? 1n : 0n);
    }
  }
  return bits.toString(16).padStart(16, '0');
}

/** Number of differing bits between two perceptual hashes (0 = same picture, ~32 = unrelated). */
export function hammingDistance(a: string, b: string): number {
  let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let count = 0;
  while (x > 0n) {
    count += Number(x & 1n);
    x >>= 1n;
  }
  return count;
}

/** Mean windowed grey level of each cell of a 9x8 grid laid over the image. */
function greyGrid(img: DecodedImage): Float64Array {
  const { width, height, channels, data } = img;
  const window = img.window ?? (data instanceof Uint8Array ? null : sampleRangeWindow(data));
  const lo = window ? window.center - 0.5 - (window.width - 1) / 2 : 0;
  const span = window ? Math.max(window.width - 1, 1) : 255;
  const sums = new Float64Array(COLS * ROWS);
  const counts = new Float64Array(COLS * ROWS);
  const cellOfX = Int32Array.from({ length: width }, (_, x) => Math.floor((x * COLS) / width));
  for (let y = 0; y < height; y++) {
    const rowCell = Math.floor((y * ROWS) / height) * COLS;
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      const v = channels >= 3 ? 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2] : data[i];
      const level = Math.min(Math.max((v - lo) / span, 0), 1);
      sums[rowCell + cellOfX[x]] += level;
      counts[rowCell + cellOfX[x]] += 1;
    }
  }
  return sums.map((s, i) => (counts[i] > 0 ? s / counts[i] : 0));
}
