import type { DecodedImage } from '../../../shared/domain/pixels.ts';
import { checkPixelLimit, corruptFile, unsupportedFile } from './errors.ts';
import type { DecodeOptions, DecodeResult } from './types.ts';

/**
 * A small BMP decoder (sharp/libvips cannot read BMP): uncompressed 1/4/8-bit paletted, 24-bit and
 * 32-bit (BI_RGB or BI_BITFIELDS), bottom-up or top-down rows. RLE-compressed BMPs are reported as
 * unsupported. Paletted images whose palette is all grey decode as 1-channel grey.
 */

interface BmpHeader {
  pixelOffset: number;
  headerSize: number;
  width: number;
  height: number;
  topDown: boolean;
  bpp: number;
  compression: number;
  colorsUsed: number;
  masks: [number, number, number, number] | null;
}

const BI_RGB = 0;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;

export function decodeBmp(buf: Buffer, file: string, opts: DecodeOptions): DecodeResult {
  const h = readHeader(buf, file);
  checkPixelLimit(file, h.width, h.height, 1, opts.maxPixels);
  const stride = Math.floor((h.bpp * h.width + 31) / 32) * 4;
  if (h.pixelOffset + stride * h.height > buf.length) {
    throw corruptFile(file, `the BMP pixel data is truncated (${buf.length} bytes, ${h.width}x${h.height} needs more)`);
  }
  const image = h.bpp <= 8 ? decodePaletted(buf, h, stride, file) : decodeDirect(buf, h, stride);
  const info = {
    format: 'bmp',
    frames: 1,
    modality: null,
    groupId: null,
    metadata: { width: h.width, height: h.height, bitDepth: 8, channels: image.channels, bmpBitsPerPixel: h.bpp },
  };
  return { info, frames: [image] };
}

function readHeader(buf: Buffer, file: string): BmpHeader {
  if (buf.length < 26) throw corruptFile(file, 'the BMP header is truncated');
  const headerSize = buf.readUInt32LE(14);
  const core = headerSize === 12;
  if (!core && headerSize < 40) throw corruptFile(file, `the BMP header size ${headerSize} is invalid`);
  if (buf.length < 14 + headerSize) throw corruptFile(file, 'the BMP header is truncated');
  const width = core ? buf.readUInt16LE(18) : buf.readInt32LE(18);
  const rawHeight = core ? buf.readInt16LE(20) : buf.readInt32LE(22);
  const bpp = core ? buf.readUInt16LE(24) : buf.readUInt16LE(28);
  const compression = core ? BI_RGB : buf.readUInt32LE(30);
  const colorsUsed = core ? 0 : buf.readUInt32LE(46);
  if (![1, 4, 8, 24, 32].includes(bpp)) throw unsupportedFile(file, `is a ${bpp}-bit BMP; save it as 8, 24 or 32-bit BMP or as PNG.`);
  const bitfields = compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS;
  if (compression !== BI_RGB && !(bitfields && bpp === 32)) {
    throw unsupportedFile(file, `uses BMP compression type ${compression} (RLE or embedded JPEG/PNG); save it as an uncompressed BMP or as PNG.`);
  }
  return {
    pixelOffset: buf.readUInt32LE(10),
    headerSize,
    width,
    height: Math.abs(rawHeight),
    topDown: rawHeight < 0,
    bpp,
    compression,
    colorsUsed,
    masks: bitfields ? readMasks(buf, headerSize, compression === BI_ALPHABITFIELDS) : null,
  };
}

/** Masks follow a 40-byte header, or live inside V4/V5 headers at the same offset. */
function readMasks(buf: Buffer, headerSize: number, alpha: boolean): [number, number, number, number] {
  const at = 54;
  const hasAlpha = alpha || headerSize >= 56;
  if (buf.length < at + (hasAlpha ? 16 : 12)) return [0xff0000, 0xff00, 0xff, 0];
  return [buf.readUInt32LE(at), buf.readUInt32LE(at + 4), buf.readUInt32LE(at + 8), hasAlpha ? buf.readUInt32LE(at + 12) : 0];
}

function rowStart(h: BmpHeader, stride: number, y: number): number {
  return h.pixelOffset + stride * (h.topDown ? y : h.height - 1 - y);
}

function decodePaletted(buf: Buffer, h: BmpHeader, stride: number, file: string): DecodedImage {
  const entry = h.headerSize === 12 ? 3 : 4;
  const count = h.colorsUsed || 1 << h.bpp;
  const palStart = 14 + h.headerSize;
  if (palStart + count * entry > h.pixelOffset) throw corruptFile(file, 'the BMP colour table is truncated');
  const palette = new Uint8Array(256 * 3);
  for (let i = 0; i < count && i < 256; i++) {
    palette[i * 3] = buf[palStart + i * entry + 2];
    palette[i * 3 + 1] = buf[palStart + i * entry + 1];
    palette[i * 3 + 2] = buf[palStart + i * entry];
  }
  const grey = palette.every((_, i) => i % 3 !== 0 || (palette[i] === palette[i + 1] && palette[i] === palette[i + 2]));
  const channels = grey ? 1 : 3;
  const data = new Uint8Array(h.width * h.height * channels);
  const perByte = 8 / h.bpp;
  const mask = (1 << h.bpp) - 1;
  for (let y = 0; y < h.height; y++) {
    const row = rowStart(h, stride, y);
    for (let x = 0; x < h.width; x++) {
      const byte = buf[row + Math.floor(x / perByte)];
      const index = (byte >> (8 - h.bpp * ((x % perByte) + 1))) & mask;
      const o = (y * h.width + x) * channels;
      for (let c = 0; c < channels; c++) data[o + c] = palette[index * 3 + c];
    }
  }
  return { width: h.width, height: h.height, channels, bitDepth: 8, data, window: null };
}

function decodeDirect(buf: Buffer, h: BmpHeader, stride: number): DecodedImage {
  const masks = h.masks ?? [0xff0000, 0xff00, 0xff, 0];
  const channels = h.masks && masks[3] !== 0 ? 4 : 3;
  const data = new Uint8Array(h.width * h.height * channels);
  const shifts = masks.map(maskShift);
  const bytesPerPixel = h.bpp / 8;
  for (let y = 0; y < h.height; y++) {
    const row = rowStart(h, stride, y);
    for (let x = 0; x < h.width; x++) {
      const p = row + x * bytesPerPixel;
      const o = (y * h.width + x) * channels;
      if (h.bpp === 24 || !h.masks) {
        data[o] = buf[p + 2];
        data[o + 1] = buf[p + 1];
        data[o + 2] = buf[p];
        continue;
      }
      const v = buf.readUInt32LE(p);
      for (let c = 0; c < channels; c++) data[o + c] = scaleMasked(v, masks[c], shifts[c]);
    }
  }
  return { width: h.width, height: h.height, channels, bitDepth: 8, data, window: null };
}

function maskShift(mask: number): number {
  if (mask === 0) return 0;
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  return shift;
}

/** Extracts a bitfield channel and stretches it to 8 bits (a 5-bit field maps 31 -> 255). */
function scaleMasked(v: number, mask: number, shift: number): number {
  if (mask === 0) return 0;
  const max = mask >>> shift;
  return Math.round((((v & mask) >>> shift) * 255) / max);
}
