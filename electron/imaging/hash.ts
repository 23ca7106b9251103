import { createHash } from 'node:crypto';
import type { DecodedImage } from '../../shared/domain/pixels.ts';
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

const GRID = 32;
const KEEP = 8;

/**
 * 64-bit perceptual hash (pHash) as 16 hex characters. The image is windowed to grey (default
 * window for >8-bit data, luma for colour), averaged down to 32x32, transformed with a 2-D DCT,
 * and each of the 8x8 lowest-frequency coefficients gives one bit: above or below their median.
 * Low frequencies survive resizing and recompression; the median keeps bits balanced, so
 * unrelated pictures land around 32 bits apart. (A plain dHash flips bits in flat regions.)
 */
export function perceptualHash(img: DecodedImage): string {
  const grid = greyGrid(img, GRID, GRID);
  // Rounding noise (~1e-13) must not decide bits in flat images, where true coefficients are 0.
  const coefficients = lowDct(grid).map((c) => (Math.abs(c) < 1e-9 ? 0 : c));
  const median = [...coefficients.slice(1)].sort((a, b) => a - b)[(coefficients.length - 1) >> 1];
  let bits = 0n;
  for (const c of coefficients) bits = (bits << 1n) | (c > median ? 1n : 0n);
  return bits.toString(16).padStart(16, '0');
}

const COS = Float64Array.from({ length: KEEP * GRID }, (_, i) => {
  const [u, x] = [Math.floor(i / GRID), i % GRID];
  return Math.cos(((2 * x + 1) * u * Math.PI) / (2 * GRID));
});

/** The KEEP x KEEP lowest-frequency DCT-II coefficients of a GRID x GRID block (unnormalised). */
function lowDct(grid: Float64Array): number[] {
  const rows = new Float64Array(GRID * KEEP); // 1-D DCT along x for every row
  for (let y = 0; y < GRID; y++) {
    for (let u = 0; u < KEEP; u++) {
      let sum = 0;
      for (let x = 0; x < GRID; x++) sum += grid[y * GRID + x] * COS[u * GRID + x];
      rows[y * KEEP + u] = sum;
    }
  }
  const out: number[] = [];
  for (let v = 0; v < KEEP; v++) {
    for (let u = 0; u < KEEP; u++) {
      let sum = 0;
      for (let y = 0; y < GRID; y++) sum += rows[y * KEEP + u] * COS[v * GRID + y];
      out.push(sum);
    }
  }
  return out;
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

/**
 * Mean windowed grey level (0..1) of each cell of a cols x rows grid laid over the image. Images
 * smaller than the grid (28 px MNIST-like crops) leave cells without pixels: those take the
 * nearest pixel, or every small image would share the same artificial zeros. Exported for its
 * test, which checks it against a pixel-by-pixel average.
 */
export function greyGrid(img: DecodedImage, cols: number, rows: number): Float64Array {
  const { width, height } = img;
  // Cell column c covers x in [first[c], first[c + 1]): x belongs to floor(x * cols / width).
  const first = Int32Array.from({ length: cols + 1 }, (_, c) => Math.ceil((c * width) / cols));
  const rowCells = Int32Array.from({ length: height }, (_, y) => Math.floor((y * rows) / height));
  const pixelsInRow = new Float64Array(rows);
  for (const r of rowCells) pixelsInRow[r]++;
  // Sum raw luma per cell and window the means afterwards: windowing is linear up to its clamp,
  // and clamping per pixel matters only where a cell straddles the window edge.
  const sums = img.channels >= 3 ? lumaSums(img, first, rowCells, rows) : firstChannelSums(img, first, rowCells, rows);
  const toLevel = windowToUnit(img);
  return sums.map((sum, i) => {
    const column = i % cols;
    const count = (first[column + 1] - first[column]) * pixelsInRow[Math.floor(i / cols)];
    if (count > 0) return toLevel(sum / count);
    const x = Math.floor(((column + 0.5) * width) / cols);
    const y = Math.floor(((Math.floor(i / cols) + 0.5) * height) / rows);
    return greyLevel(img)(y * width + x);
  });
}

/**
 * Per-cell sums of the first channel (grey, or grey of grey+alpha). Each cell's share of a row is
 * summed in a local first: adding every pixel straight into the cell's slot made each add wait for
 * the previous one, and the hash cost as much as the thumbnail.
 */
function firstChannelSums(img: DecodedImage, first: Int32Array, rowCells: Int32Array, rows: number): Float64Array {
  const { width, height, channels, data } = img;
  const cols = first.length - 1;
  const sums = new Float64Array(cols * rows);
  for (let y = 0; y < height; y++) {
    const row = y * width * channels;
    const cell = rowCells[y] * cols;
    for (let c = 0; c < cols; c++) {
      let sum = 0;
      for (let i = row + first[c] * channels, end = row + first[c + 1] * channels; i < end; i += channels) sum += data[i];
      sums[cell + c] += sum;
    }
  }
  return sums;
}

/** Per-cell luma sums (0.299 R + 0.587 G + 0.114 B), from exact per-cell sums of each colour. */
function lumaSums(img: DecodedImage, first: Int32Array, rowCells: Int32Array, rows: number): Float64Array {
  const { width, height, channels, data } = img;
  const cols = first.length - 1;
  const cells = cols * rows;
  const red = new Float64Array(cells);
  const green = new Float64Array(cells);
  const blue = new Float64Array(cells);
  for (let y = 0; y < height; y++) {
    const row = y * width * channels;
    const cell = rowCells[y] * cols;
    for (let c = 0; c < cols; c++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let i = row + first[c] * channels, end = row + first[c + 1] * channels; i < end; i += channels) {
        r += data[i];
        g += data[i + 1];
        b += data[i + 2];
      }
      red[cell + c] += r;
      green[cell + c] += g;
      blue[cell + c] += b;
    }
  }
  return red.map((r, cell) => 0.299 * r + 0.587 * green[cell] + 0.114 * blue[cell]);
}

/** Grey level in 0..1 of pixel p: luma for colour, through the default window for >8-bit data. */
function greyLevel(img: DecodedImage): (p: number) => number {
  const { channels, data } = img;
  const toLevel = windowToUnit(img);
  return (p) => {
    const i = p * channels;
    return toLevel(channels >= 3 ? 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2] : data[i]);
  };
}

function windowToUnit(img: DecodedImage): (v: number) => number {
  const window = img.window ?? (img.data instanceof Uint8Array ? null : sampleRangeWindow(img.data));
  const lo = window ? window.center - 0.5 - (window.width - 1) / 2 : 0;
  const span = window ? Math.max(window.width - 1, 1) : 255;
  return (v) => Math.min(Math.max((v - lo) / span, 0), 1);
}
