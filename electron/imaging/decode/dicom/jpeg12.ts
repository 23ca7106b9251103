/**
 * A small sequential-DCT JPEG decoder (ITU T.81 baseline and extended, Huffman coded) for one
 * grey component of 8 or 12 bits: the 12-bit "JPEG Extended" DICOM syntax that the 8-bit
 * libjpeg-turbo build cannot read. Progressive, arithmetic-coded and multi-component streams
 * throw; the caller reports them as unsupported.
 */

interface Huffman {
  /** lookup by (length, code): maxCode[l] is the largest code of length l, -1 if none. */
  maxCode: Int32Array;
  valPtr: Int32Array;
  minCode: Int32Array;
  values: Uint8Array;
}

interface Frame {
  precision: number;
  width: number;
  height: number;
  quantTable: number;
}

export class JpegUnsupported extends Error {}

const ZIGZAG = Int32Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22,
  15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]);

/** Decodes a single-component JPEG; returns its samples (Uint16Array) and size. */
export function decodeGreyJpeg(data: Uint8Array): { width: number; height: number; precision: number; samples: Uint16Array } {
  if (data[0] !== 0xff || data[1] !== 0xd8) throw new Error('no JPEG start-of-image marker');
  const quant: Int32Array[] = [];
  const dc: Huffman[] = [];
  const ac: Huffman[] = [];
  let frame: Frame | null = null;
  let restartInterval = 0;
  let i = 2;
  while (i + 4 <= data.length) {
    if (data[i] !== 0xff) throw new Error(`expected a marker at byte ${i}`);
    const marker = data[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    const length = (data[i + 2] << 8) | data[i + 3];
    const body = data.subarray(i + 4, i + 2 + length);
    if (marker === 0xdb) readQuantTables(body, quant);
    else if (marker === 0xc4) readHuffmanTables(body, dc, ac);
    else if (marker === 0xdd) restartInterval = (body[0] << 8) | body[1];
    else if (marker === 0xc0 || marker === 0xc1) frame = readFrame(body);
    else if (marker >= 0xc2 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      throw new JpegUnsupported(`JPEG process SOF${marker - 0xc0} (progressive, lossless or arithmetic) is not supported here`);
    } else if (marker === 0xda) {
      if (!frame) throw new Error('scan before frame header');
      const tables = body[2];
      const scan = { dc: dc[tables >> 4], ac: ac[tables & 15], quant: quant[frame.quantTable] };
      if (!scan.dc || !scan.ac || !scan.quant) throw new Error('a Huffman or quantisation table is missing');
      return { ...frame, samples: decodeScan(data, i + 2 + length, frame, scan, restartInterval) };
    }
    i += 2 + length;
  }
  throw new Error('no scan found');
}

function readQuantTables(body: Uint8Array, quant: Int32Array[]): void {
  let p = 0;
  while (p < body.length) {
    const wide = body[p] >> 4;
    const id = body[p] & 15;
    const table = new Int32Array(64);
    for (let k = 0; k < 64; k++) table[k] = wide ? (body[p + 1 + 2 * k] << 8) | body[p + 2 + 2 * k] : body[p + 1 + k];
    quant[id] = table;
    p += 1 + 64 * (wide ? 2 : 1);
  }
}

function readHuffmanTables(body: Uint8Array, dc: Huffman[], ac: Huffman[]): void {
  let p = 0;
  while (p < body.length) {
    const cls = body[p] >> 4;
    const id = body[p] & 15;
    const counts = body.subarray(p + 1, p + 17);
    const total = counts.reduce((s, c) => s + c, 0);
    const table = buildHuffman(counts, body.slice(p + 17, p + 17 + total));
    (cls === 0 ? dc : ac)[id] = table;
    p += 17 + total;
  }
}

/** Canonical Huffman decoding tables, ITU T.81 F.2.2.3. */
function buildHuffman(counts: Uint8Array, values: Uint8Array): Huffman {
  const maxCode = new Int32Array(18).fill(-1);
  const minCode = new Int32Array(17);
  const valPtr = new Int32Array(17);
  let code = 0;
  let k = 0;
  for (let l = 1; l <= 16; l++) {
    valPtr[l] = k;
    minCode[l] = code;
    code += counts[l - 1];
    k += counts[l - 1];
    maxCode[l] = counts[l - 1] ? code - 1 : -1;
    code <<= 1;
  }
  maxCode[17] = 0x7fffffff;
  return { maxCode, valPtr, minCode, values };
}

function readFrame(body: Uint8Array): Frame {
  const components = body[5];
  if (components !== 1) throw new JpegUnsupported(`${components}-component JPEG Extended is not supported here (only grey)`);
  return { precision: body[0], height: (body[1] << 8) | body[2], width: (body[3] << 8) | body[4], quantTable: body[8] };
}

/** Entropy-coded bits with 0xFF00 unstuffing; stops at the next marker (then yields zeros). */
class BitReader {
  private bits = 0;
  private count = 0;
  constructor(
    private readonly data: Uint8Array,
    public pos: number,
  ) {}

  bit(): number {
    if (this.count === 0) {
      let byte = 0;
      if (this.pos < this.data.length) {
        byte = this.data[this.pos];
        if (byte === 0xff) {
          const next = this.data[this.pos + 1];
          if (next === 0) this.pos += 2;
          else byte = 0; // a marker: do not consume it
        } else this.pos++;
      }
      this.bits = byte;
      this.count = 8;
    }
    this.count--;
    return (this.bits >> this.count) & 1;
  }

  receive(length: number): number {
    let v = 0;
    for (let n = 0; n < length; n++) v = (v << 1) | this.bit();
    return v;
  }

  /** Drops the partial byte and skips an RSTn marker, if one is next. */
  restart(): void {
    this.count = 0;
    if (this.data[this.pos] === 0xff && this.data[this.pos + 1] >= 0xd0 && this.data[this.pos + 1] <= 0xd7) this.pos += 2;
  }
}

function decodeHuffman(reader: BitReader, table: Huffman): number {
  let code = reader.bit();
  let l = 1;
  while (code > table.maxCode[l]) {
    code = (code << 1) | reader.bit();
    if (++l > 16) throw new Error('corrupt Huffman code');
  }
  return table.values[table.valPtr[l] + code - table.minCode[l]];
}

/** T.81 F.2.2.1 EXTEND. */
function extend(v: number, length: number): number {
  return length === 0 ? 0 : v < 1 << (length - 1) ? v - (1 << length) + 1 : v;
}

function decodeScan(
  data: Uint8Array,
  start: number,
  frame: Frame,
  scan: { dc: Huffman; ac: Huffman; quant: Int32Array },
  restartInterval: number,
): Uint16Array {
  const blocksX = Math.ceil(frame.width / 8);
  const blocksY = Math.ceil(frame.height / 8);
  const out = new Uint16Array(frame.width * frame.height);
  const reader = new BitReader(data, start);
  const coefficients = new Float64Array(64);
  const block = new Float64Array(64);
  let predictor = 0;
  for (let n = 0; n < blocksX * blocksY; n++) {
    if (restartInterval && n > 0 && n % restartInterval === 0) {
      reader.restart();
      predictor = 0;
    }
    coefficients.fill(0);
    const t = decodeHuffman(reader, scan.dc);
    predictor += extend(reader.receive(t), t);
    coefficients[0] = predictor * scan.quant[0];
    for (let k = 1; k < 64; ) {
      const rs = decodeHuffman(reader, scan.ac);
      const [r, s] = [rs >> 4, rs & 15];
      if (s === 0) {
        if (r !== 15) break;
        k += 16;
        continue;
      }
      k += r;
      if (k > 63) break;
      coefficients[ZIGZAG[k]] = extend(reader.receive(s), s) * scan.quant[k];
      k++;
    }
    inverseDct(coefficients, block);
    storeBlock(block, out, frame, (n % blocksX) * 8, Math.floor(n / blocksX) * 8);
  }
  return out;
}

const IDCT = Float64Array.from({ length: 64 }, (_, i) => {
  const [x, u] = [Math.floor(i / 8), i % 8];
  return (u === 0 ? Math.SQRT1_2 : 1) * Math.cos(((2 * x + 1) * u * Math.PI) / 16) * 0.5;
});

/** Separable 8x8 inverse DCT (float, T.81 A.3.3). */
const rows = new Float64Array(64); // scratch for inverseDct (single-threaded, never re-entered)

function inverseDct(coefficients: Float64Array, out: Float64Array): void {
  for (let v = 0; v < 8; v++) {
    for (let x = 0; x < 8; x++) {
      let sum = 0;
      for (let u = 0; u < 8; u++) sum += IDCT[x * 8 + u] * coefficients[v * 8 + u];
      rows[v * 8 + x] = sum;
    }
  }
  for (let x = 0; x < 8; x++) {
    for (let y = 0; y < 8; y++) {
      let sum = 0;
      for (let v = 0; v < 8; v++) sum += IDCT[y * 8 + v] * rows[v * 8 + x];
      out[y * 8 + x] = sum;
    }
  }
}

function storeBlock(block: Float64Array, out: Uint16Array, frame: Frame, x0: number, y0: number): void {
  const shift = 1 << (frame.precision - 1);
  const max = (1 << frame.precision) - 1;
  for (let y = 0; y < 8 && y0 + y < frame.height; y++) {
    for (let x = 0; x < 8 && x0 + x < frame.width; x++) {
      const v = Math.round(block[y * 8 + x] + shift);
      out[(y0 + y) * frame.width + x0 + x] = v < 0 ? 0 : v > max ? max : v;
    }
  }
}
