import { AC_CHROMA, AC_LUMA, CHROMA_QUANT, DC_CHROMA, DC_LUMA, LUMA_QUANT, ZIGZAG } from './jpeg-tables.ts';
import { BitWriter, type CodeTable, codeTable, writeHeaders } from './jpeg-writer.ts';

/**
 * A baseline sequential JPEG encoder (ITU T.81) for the import's thumbnails: 8-bit grey as one
 * component, RGB as YCbCr 4:2:0 (what sharp writes by default), the Annex K tables scaled by the
 * IJG quality formula, JFIF APP0. Written for small images: a sharp call costs 0.8-1.8 ms of CPU
 * before it encodes a pixel (a 16x16 JPEG), about what this encoder needs for a whole 256 px grey
 * thumbnail (docs/benchmarks.md, Import). The viewer keeps sharp (any size, any format).
 *
 * Not reentrant across an await (there is none): scratch planes and the output buffer are reused
 * between calls, so that a thumbnail costs one allocation (the returned Buffer).
 */

export interface JpegInput {
  width: number;
  height: number;
  channels: 1 | 3;
  /** Interleaved 8-bit samples, row-major. */
  data: Uint8Array;
}

/** Encodes 8-bit grey or RGB pixels at quality 1-100. */
export function encodeJpeg(img: JpegInput, quality = 85): Buffer {
  const { width, height, channels, data } = img;
  if (!(width >= 1 && height >= 1 && width <= 65535 && height <= 65535) || data.length < width * height * channels) {
    throw new RangeError(`encodeJpeg: ${width}x${height}x${channels} does not match ${data.length} samples`);
  }
  const tables = tablesFor(Math.min(100, Math.max(1, Math.round(quality))));
  const colour = channels === 3;
  // Worst case per block: 64 codes of 16 bits plus 10-11 value bits, every byte 0xFF-stuffed.
  const blocks = Math.ceil(width / 16) * Math.ceil(height / 16) * (colour ? 6 : 4);
  const out = new BitWriter(1024 + blocks * 432);
  writeHeaders(out, width, height, colour, { luma: tables.lumaQuant, chroma: tables.chromaQuant });
  if (colour) encodeColourScan(out, data, width, height, tables);
  else encodeGreyScan(out, data, width, height, tables);
  out.flush();
  out.marker(0xd9);
  return Buffer.from(out.bytes.subarray(0, out.length));
}

interface Tables {
  /** Quantizer values in zigzag order, as the DQT segment carries them. */
  lumaQuant: Uint8Array;
  chromaQuant: Uint8Array;
  /** 1 / (quantizer x AAN scale), in natural order: one multiply quantizes a DCT output. */
  lumaScale: Float32Array;
  chromaScale: Float32Array;
}

const tableCache = new Map<number, Tables>();

function tablesFor(quality: number): Tables {
  let t = tableCache.get(quality);
  if (!t) {
    const lumaQuant = scaledQuant(LUMA_QUANT, quality);
    const chromaQuant = scaledQuant(CHROMA_QUANT, quality);
    t = { lumaQuant, chromaQuant, lumaScale: quantScale(lumaQuant), chromaScale: quantScale(chromaQuant) };
    tableCache.set(quality, t);
  }
  return t;
}

/** IJG's quality scaling (libjpeg's jcparam.c convention, also used by sharp): 50 = the Annex K table as printed. */
function scaledQuant(base: number[], quality: number): Uint8Array {
  const percent = quality < 50 ? Math.floor(5000 / quality) : 200 - 2 * quality;
  const out = new Uint8Array(64);
  for (let k = 0; k < 64; k++) out[k] = Math.min(255, Math.max(1, Math.floor((base[ZIGZAG[k]] * percent + 50) / 100)));
  return out;
}

/**
 * The AAN DCT below leaves output (u, v) multiplied by 8 * s(u) * s(v), with s(0) = 1 and
 * s(k) = sqrt(2) cos(k pi / 16); the quantizer divides that factor out again. Natural order.
 */
function quantScale(zigzagQuant: Uint8Array): Float32Array {
  const s = (k: number) => (k === 0 ? 1 : Math.SQRT2 * Math.cos((k * Math.PI) / 16));
  const out = new Float32Array(64);
  for (let k = 0; k < 64; k++) {
    const natural = ZIGZAG[k];
    out[natural] = 1 / (zigzagQuant[k] * s(natural >> 3) * s(natural & 7) * 8);
  }
  return out;
}

// ---- planes ----

const planes: Uint8Array[] = [];

/** Reused 8-bit sample planes, padded to whole MCUs: 0 = Y (or grey), 1 = Cb, 2 = Cr (subsampled). */
function scratch(index: number, length: number): Uint8Array {
  if (!planes[index] || planes[index].length < length) planes[index] = new Uint8Array(Math.max(length, 256 * 256));
  return planes[index];
}

/** Grey rows with the last pixel and the last row repeated into the padding (no ringing at the border). */
function padGrey(data: Uint8Array, width: number, height: number, pw: number, ph: number): Uint8Array {
  const plane = scratch(0, pw * ph);
  for (let y = 0; y < ph; y++) {
    const row = Math.min(y, height - 1) * width;
    plane.set(data.subarray(row, row + width), y * pw);
    plane.fill(data[row + width - 1], y * pw + width, (y + 1) * pw);
  }
  return plane;
}

/**
 * RGB to YCbCr (JFIF) as 8-bit samples, like libjpeg, in 16-bit fixed point; Cb and Cr straight
 * from each 2x2 cell's summed colour (they are linear in RGB), so no full-size chroma plane is made.
 */
function fillColourPlanes(data: Uint8Array, width: number, height: number, pw: number, ph: number): void {
  const [yp, cb, cr] = [scratch(0, pw * ph), scratch(1, (pw * ph) / 4), scratch(2, (pw * ph) / 4)];
  const column = columnOffsets(width, pw);
  for (let y = 0, c = 0; y < ph; y += 2) {
    const top = Math.min(y, height - 1) * width * 3;
    const bottom = Math.min(y + 1, height - 1) * width * 3;
    for (let x = 0, at = y * pw; x < pw; x += 2, at += 2, c++) {
      const a = top + column[x];
      const b = top + column[x + 1];
      const d = bottom + column[x];
      const e = bottom + column[x + 1];
      yp[at] = luma(data, a);
      yp[at + 1] = luma(data, b);
      yp[at + pw] = luma(data, d);
      yp[at + pw + 1] = luma(data, e);
      const red = data[a] + data[b] + data[d] + data[e];
      const green = data[a + 1] + data[b + 1] + data[d + 1] + data[e + 1];
      const blue = data[a + 2] + data[b + 2] + data[d + 2] + data[e + 2];
      // Coefficients x 65536, and / 4 for the mean: a shift by 18, rounded; + 128 re-centres.
      cb[c] = ((-11059 * red - 21709 * green + 32768 * blue + (1 << 17)) >> 18) + 128;
      cr[c] = ((32768 * red - 27439 * green - 5329 * blue + (1 << 17)) >> 18) + 128;
    }
  }
}

/** Y of the pixel at sample i: 0.299 R + 0.587 G + 0.114 B in 16-bit fixed point, rounded. */
function luma(data: Uint8Array, i: number): number {
  return (19595 * data[i] + 38470 * data[i + 1] + 7471 * data[i + 2] + 32768) >> 16;
}

let columns = new Int32Array(0);

/** Sample offset of each padded column's source pixel (the last one repeated). */
function columnOffsets(width: number, pw: number): Int32Array {
  if (columns.length < pw) columns = new Int32Array(pw);
  for (let x = 0; x < pw; x++) columns[x] = Math.min(x, width - 1) * 3;
  return columns;
}

// ---- scans ----

function encodeGreyScan(out: BitWriter, data: Uint8Array, width: number, height: number, t: Tables): void {
  const [pw, ph] = [Math.ceil(width / 8) * 8, Math.ceil(height / 8) * 8];
  const plane = pw === width && ph === height ? data : padGrey(data, width, height, pw, ph);
  const coder = new BlockCoder(out);
  for (let by = 0; by < ph; by += 8) {
    for (let bx = 0; bx < pw; bx += 8) coder.encode(plane, by * pw + bx, pw, t.lumaScale, 0, LUMA_CODES);
  }
}

/** Interleaved MCUs of four Y blocks (2x2), then one Cb and one Cr block (A.2.3). */
function encodeColourScan(out: BitWriter, data: Uint8Array, width: number, height: number, t: Tables): void {
  const [pw, ph] = [Math.ceil(width / 16) * 16, Math.ceil(height / 16) * 16];
  fillColourPlanes(data, width, height, pw, ph);
  const [yp, cb, cr] = planes;
  const hw = pw / 2;
  const coder = new BlockCoder(out);
  for (let my = 0; my < ph; my += 16) {
    for (let mx = 0; mx < pw; mx += 16) {
      const at = my * pw + mx;
      coder.encode(yp, at, pw, t.lumaScale, 0, LUMA_CODES);
      coder.encode(yp, at + 8, pw, t.lumaScale, 0, LUMA_CODES);
      coder.encode(yp, at + 8 * pw, pw, t.lumaScale, 0, LUMA_CODES);
      coder.encode(yp, at + 8 * pw + 8, pw, t.lumaScale, 0, LUMA_CODES);
      const c = (my / 2) * hw + mx / 2;
      coder.encode(cb, c, hw, t.chromaScale, 1, CHROMA_CODES);
      coder.encode(cr, c, hw, t.chromaScale, 2, CHROMA_CODES);
    }
  }
}

// ---- entropy coding ----

const LUMA_CODES = { dc: codeTable(DC_LUMA), ac: codeTable(AC_LUMA) };
const CHROMA_CODES = { dc: codeTable(DC_CHROMA), ac: codeTable(AC_CHROMA) };

const block = new Float32Array(64);
/** Quantized coefficients in natural order. */
const quantized = new Int32Array(64);
const SCAN = Uint8Array.from(ZIGZAG);

/** Transforms, quantizes and Huffman-codes 8x8 blocks; remembers each component's last DC (F.1.1.5.1). */
class BlockCoder {
  private readonly lastDc = [0, 0, 0];
  constructor(private readonly out: BitWriter) {}

  encode(plane: Uint8Array, at: number, stride: number, scale: Float32Array, component: number, codes: { dc: CodeTable; ac: CodeTable }): void {
    rowDcts(plane, at, stride);
    columnDctsQuantized(scale);
    const diff = quantized[0] - this.lastDc[component];
    this.lastDc[component] = quantized[0];
    this.out.value(diff, codes.dc);
    this.encodeAc(codes.ac);
  }

  /** Run-length coding of the 63 AC coefficients (F.1.2.2): ZRL for 16 zeros, EOB after the last non-zero. */
  private encodeAc(ac: CodeTable): void {
    let last = 63;
    while (last > 0 && quantized[SCAN[last]] === 0) last--;
    let run = 0;
    for (let k = 1; k <= last; k++) {
      const v = quantized[SCAN[k]];
      if (v === 0) {
        run++;
        continue;
      }
      for (; run >= 16; run -= 16) this.out.bits(ac.code[0xf0], ac.size[0xf0]);
      this.out.runValue(run, v, ac);
      run = 0;
    }
    if (last < 63) this.out.bits(ac.code[0x00], ac.size[0x00]);
  }
}

/*
 * Arai-Agui-Nakajima forward DCT (rows, then columns): 5 multiplies per 8 samples instead of 64.
 * Output (u, v) carries a factor 8 s(u) s(v) that the quantizer's scale removes (quantScale()).
 */

/** Level shift and the row transforms, from the 8-bit plane into `block`. */
function rowDcts(src: Uint8Array, at: number, stride: number): void {
  for (let o = 0; o < 64; o += 8, at += stride) {
    const t0 = src[at] + src[at + 7] - 256;
    const t7 = src[at] - src[at + 7];
    const t1 = src[at + 1] + src[at + 6] - 256;
    const t6 = src[at + 1] - src[at + 6];
    const t2 = src[at + 2] + src[at + 5] - 256;
    const t5 = src[at + 2] - src[at + 5];
    const t3 = src[at + 3] + src[at + 4] - 256;
    const t4 = src[at + 3] - src[at + 4];
    dct8(block, o, 1, t0, t1, t2, t3, t4, t5, t6, t7);
  }
}

/** Column transforms of `block`, each output multiplied by its quantizer scale and rounded. */
function columnDctsQuantized(scale: Float32Array): void {
  for (let c = 0; c < 8; c++) {
    const b = block;
    const t0 = b[c] + b[c + 56];
    const t7 = b[c] - b[c + 56];
    const t1 = b[c + 8] + b[c + 48];
    const t6 = b[c + 8] - b[c + 48];
    const t2 = b[c + 16] + b[c + 40];
    const t5 = b[c + 16] - b[c + 40];
    const t3 = b[c + 24] + b[c + 32];
    const t4 = b[c + 24] - b[c + 32];
    dct8(b, c, 8, t0, t1, t2, t3, t4, t5, t6, t7);
    // floor(x + 0.5) by truncating a positive number: Math.round here cost more than the whole DCT.
    for (let k = c; k < 64; k += 8) quantized[k] = ((b[k] * scale[k] + 16384.5) | 0) - 16384;
  }
}

/** The butterflies after the first stage (sums t0..t3, differences t4..t7); writes 8 outputs at o, o+s, ... */
function dct8(d: Float32Array, o: number, s: number, t0: number, t1: number, t2: number, t3: number, t4: number, t5: number, t6: number, t7: number): void {
  // Even part: a 4-point DCT of the sums.
  const e0 = t0 + t3;
  const e3 = t0 - t3;
  const e1 = t1 + t2;
  const e2 = t1 - t2;
  d[o] = e0 + e1;
  d[o + 4 * s] = e0 - e1;
  const z1 = (e2 + e3) * 0.707106781;
  d[o + 2 * s] = e3 + z1;
  d[o + 6 * s] = e3 - z1;
  // Odd part: the rotations of the differences.
  const o10 = t4 + t5;
  const o11 = t5 + t6;
  const o12 = t6 + t7;
  const z5 = (o10 - o12) * 0.382683433;
  const z2 = 0.5411961 * o10 + z5;
  const z4 = 1.306562965 * o12 + z5;
  const z3 = o11 * 0.707106781;
  const z11 = t7 + z3;
  const z13 = t7 - z3;
  d[o + 5 * s] = z13 + z2;
  d[o + 3 * s] = z13 - z2;
  d[o + s] = z11 + z4;
  d[o + 7 * s] = z11 - z4;
}
