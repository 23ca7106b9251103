import { deflateSync } from 'node:zlib';

/**
 * Tiny hand-written encoders for tests: they produce files byte by byte, so decoder tests do not
 * depend on sharp's encoders (sharp cannot write BMP and quietly writes 16-bit TIFF as 8-bit).
 */

/** Uncompressed baseline TIFF, 8 or 16 bits per sample or 32-bit float, grey or RGB, little-endian, one strip. */
export function encodeTiff(samples: Uint8Array | Uint16Array | Float32Array, width: number, height: number, channels: 1 | 3): Buffer {
  const bits = samples instanceof Float32Array ? 32 : samples instanceof Uint16Array ? 16 : 8;
  const pixelBytes = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const entries: [tag: number, type: number, count: number, value: number][] = [
    [256, 4, 1, width],
    [257, 4, 1, height],
    [258, 3, 1, bits], // one BitsPerSample value is accepted by libtiff for all samples
    [259, 3, 1, 1],
    [262, 3, 1, channels === 1 ? 1 : 2],
    [273, 4, 1, 0], // StripOffsets, patched below
    [277, 3, 1, channels],
    [278, 4, 1, height],
    [279, 4, 1, pixelBytes.length],
    [284, 3, 1, 1],
    ...(samples instanceof Float32Array ? [[339, 3, 1, 3] as [number, number, number, number]] : []), // SampleFormat: IEEE float
  ];
  const ifdSize = 2 + entries.length * 12 + 4;
  const header = Buffer.alloc(8 + ifdSize);
  header.write('II', 0, 'latin1');
  header.writeUInt16LE(42, 2);
  header.writeUInt32LE(8, 4);
  header.writeUInt16LE(entries.length, 8);
  entries.forEach(([tag, type, count, value], i) => {
    const at = 10 + i * 12;
    header.writeUInt16LE(tag, at);
    header.writeUInt16LE(type, at + 2);
    header.writeUInt32LE(count, at + 4);
    const v = tag === 273 ? header.length : value;
    if (type === 3) header.writeUInt16LE(v, at + 8);
    else header.writeUInt32LE(v, at + 8);
  });
  return Buffer.concat([header, pixelBytes]);
}

export interface BmpOptions {
  bpp: 8 | 24 | 32;
  topDown?: boolean;
  /** For 8-bit: the colour table as [r,g,b] triplets; samples are indices. */
  palette?: [number, number, number][];
}

/** BMP with a 40-byte header (BI_RGB), or BI_BITFIELDS RGBA for 32-bit. `samples` are RGB(A) or palette indices. */
export function encodeBmp(samples: Uint8Array, width: number, height: number, opts: BmpOptions): Buffer {
  const perPixel = opts.bpp / 8;
  const stride = Math.floor((opts.bpp * width + 31) / 32) * 4;
  const palette = opts.palette ?? [];
  const headerSize = opts.bpp === 32 ? 56 : 40;
  const offset = 14 + headerSize + palette.length * 4;
  const buf = Buffer.alloc(offset + stride * height);
  buf.write('BM', 0, 'latin1');
  buf.writeUInt32LE(buf.length, 2);
  buf.writeUInt32LE(offset, 10);
  buf.writeUInt32LE(headerSize, 14);
  buf.writeInt32LE(width, 18);
  buf.writeInt32LE(opts.topDown ? -height : height, 22);
  buf.writeUInt16LE(1, 26);
  buf.writeUInt16LE(opts.bpp, 28);
  buf.writeUInt32LE(opts.bpp === 32 ? 3 : 0, 30);
  buf.writeUInt32LE(palette.length, 46);
  if (opts.bpp === 32) [0x00ff0000, 0x0000ff00, 0x000000ff, 0xff000000].forEach((m, i) => buf.writeUInt32LE(m >>> 0, 54 + i * 4));
  palette.forEach(([r, g, b], i) => buf.set([b, g, r, 0], 14 + headerSize + i * 4));
  for (let y = 0; y < height; y++) {
    const row = offset + stride * (opts.topDown ? y : height - 1 - y);
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * (opts.bpp === 8 ? 1 : perPixel);
      const p = row + x * perPixel;
      if (opts.bpp === 8) buf[p] = samples[s];
      else buf.set(opts.bpp === 24 ? [samples[s + 2], samples[s + 1], samples[s]] : [samples[s + 2], samples[s + 1], samples[s], samples[s + 3]], p);
    }
  }
  return buf;
}

/**
 * A syntactically valid PNG whose IHDR declares width x height (8-bit grey) followed by a tiny
 * IDAT: the decompression-bomb shape, a header that promises far more pixels than the file holds.
 */
export function pngWithHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(Buffer.alloc(64))), pngChunk('IEND', Buffer.alloc(0))]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** A smooth, photo-like deterministic test picture (sum of soft blobs), 8-bit RGB. */
export function blobImage(width: number, height: number, seed: number): Uint8Array {
  let s = seed >>> 0;
  // mulberry32: nearby seeds give unrelated pictures (a plain LCG would give near-identical ones).
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const blobs = Array.from({ length: 6 }, () => ({ x: rand() * width, y: rand() * height, r: (0.1 + rand() * 0.3) * width, c: [rand(), rand(), rand()].map((v) => v * 255) }));
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        let v = 20;
        for (const b of blobs) v += b.c[c] * Math.exp(-((x - b.x) ** 2 + (y - b.y) ** 2) / (2 * b.r * b.r));
        out[(y * width + x) * 3 + c] = Math.min(255, Math.round(v));
      }
    }
  }
  return out;
}
