import { AC_CHROMA, AC_LUMA, DC_CHROMA, DC_LUMA, type HuffmanSpec } from './jpeg-tables.ts';

/** The byte side of jpeg-encode.ts: Huffman code tables, the bit writer and the marker segments. */

/** A Huffman table as EHUFCO / EHUFSI (C.2): code and length per symbol. */
export interface CodeTable {
  code: Uint16Array;
  size: Uint8Array;
}

/** Generates the canonical codes of a DHT specification (Annex C). */
export function codeTable(spec: HuffmanSpec): CodeTable {
  const table: CodeTable = { code: new Uint16Array(256), size: new Uint8Array(256) };
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    for (let n = 0; n < spec.counts[length - 1]; n++, k++, code++) {
      table.code[spec.symbols[k]] = code;
      table.size[spec.symbols[k]] = length;
    }
    code <<= 1;
  }
  return table;
}

/** Bytes out, with the entropy-coded data's 0xFF bytes stuffed with a 0x00 (F.1.2.3). */
export class BitWriter {
  readonly bytes: Uint8Array;
  length = 0;
  private acc = 0;
  private count = 0;

  constructor(capacity: number) {
    this.bytes = outputBuffer(capacity);
  }

  byte(b: number): void {
    this.bytes[this.length++] = b;
  }

  u16(v: number): void {
    this.bytes[this.length++] = v >> 8;
    this.bytes[this.length++] = v & 0xff;
  }

  marker(m: number): void {
    this.byte(0xff);
    this.byte(m);
  }

  /** Appends `size` (at most 24) bits of `code`, most significant first. */
  bits(code: number, size: number): void {
    const acc = (this.acc << size) | code;
    let count = this.count + size;
    if (count >= 8) {
      const bytes = this.bytes;
      let length = this.length;
      do {
        count -= 8;
        const b = (acc >>> count) & 0xff;
        bytes[length++] = b;
        if (b === 0xff) bytes[length++] = 0;
      } while (count >= 8);
      this.length = length;
    }
    this.count = count;
    this.acc = acc & ((1 << count) - 1);
  }

  /** A DC difference: its size category's code, then the value's low bits (ones' complement when negative, F.1.2.1). */
  value(v: number, table: CodeTable): void {
    this.runValue(0, v, table);
  }

  runValue(run: number, v: number, table: CodeTable): void {
    const magnitude = v < 0 ? -v : v;
    const size = magnitude === 0 ? 0 : 32 - Math.clz32(magnitude);
    const symbol = (run << 4) | size;
    const length = table.size[symbol];
    const extra = (v < 0 ? v - 1 : v) & ((1 << size) - 1);
    // One call when code and value fit in 24 bits (the accumulator then never exceeds 31).
    if (length + size <= 24) this.bits((table.code[symbol] << size) | extra, length + size);
    else {
      this.bits(table.code[symbol], length);
      this.bits(extra, size);
    }
  }

  /** Pads the last byte with 1 bits (F.1.2.3). */
  flush(): void {
    if (this.count > 0) this.bits((1 << (8 - this.count)) - 1, 8 - this.count);
  }
}

let shared = new Uint8Array(0);

function outputBuffer(capacity: number): Uint8Array {
  if (shared.length < capacity) shared = new Uint8Array(capacity);
  return shared;
}

// ---- headers ----

export function writeHeaders(out: BitWriter, width: number, height: number, colour: boolean, quant: { luma: Uint8Array; chroma: Uint8Array }): void {
  out.marker(0xd8);
  // JFIF 1.01, no density units, aspect 1:1, no embedded thumbnail.
  out.marker(0xe0);
  out.u16(16);
  for (const b of [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]) out.byte(b);
  writeQuant(out, 0, quant.luma);
  if (colour) writeQuant(out, 1, quant.chroma);
  // SOF0: 8-bit precision; Y samples 2x2 per chroma sample in colour, 1x1 alone in grey.
  out.marker(0xc0);
  out.u16(8 + 3 * (colour ? 3 : 1));
  out.byte(8);
  out.u16(height);
  out.u16(width);
  out.byte(colour ? 3 : 1);
  for (const [id, sampling, quant] of colour ? [[1, 0x22, 0], [2, 0x11, 1], [3, 0x11, 1]] : [[1, 0x11, 0]]) {
    out.byte(id);
    out.byte(sampling);
    out.byte(quant);
  }
  writeHuffman(out, 0x00, DC_LUMA);
  writeHuffman(out, 0x10, AC_LUMA);
  if (colour) {
    writeHuffman(out, 0x01, DC_CHROMA);
    writeHuffman(out, 0x11, AC_CHROMA);
  }
  writeScanHeader(out, colour);
}

function writeQuant(out: BitWriter, id: number, zigzagQuant: Uint8Array): void {
  out.marker(0xdb);
  out.u16(67);
  out.byte(id); // 8-bit precision, table id
  for (let k = 0; k < 64; k++) out.byte(zigzagQuant[k]);
}

function writeHuffman(out: BitWriter, classAndId: number, spec: HuffmanSpec): void {
  out.marker(0xc4);
  out.u16(3 + 16 + spec.symbols.length);
  out.byte(classAndId);
  for (const n of spec.counts) out.byte(n);
  for (const s of spec.symbols) out.byte(s);
}

function writeScanHeader(out: BitWriter, colour: boolean): void {
  out.marker(0xda);
  out.u16(6 + 2 * (colour ? 3 : 1));
  out.byte(colour ? 3 : 1);
  for (const [id, tables] of colour ? [[1, 0x00], [2, 0x11], [3, 0x11]] : [[1, 0x00]]) {
    out.byte(id);
    out.byte(tables);
  }
  // Spectral selection 0..63, no successive approximation: baseline sequential.
  out.byte(0);
  out.byte(63);
  out.byte(0);
}
