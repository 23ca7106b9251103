import sharp, { type OutputInfo } from 'sharp';
import type { DecodedImage, ImageFileInfo } from '../../../shared/domain/pixels.ts';
import type { DecodeResult } from './types.ts';

/**
 * The common JPEG (8-bit grey or YCbCr/RGB, upright) decoded with exactly the sharp call decode/
 * makes, minus the separate header read (sharp's metadata(), a whole pipeline of its own, about a
 * tenth of the decode): size, colour layout and orientation come from the JPEG markers instead.
 * The tests compare the result with decode/'s byte for byte. Anything else (CMYK, 12-bit,
 * lossless or arithmetic-coded, rotated by EXIF, too large) and any file sharp rejects returns
 * null, so that decode/ handles it with its own checks and messages.
 */
export async function decodeJpegFast(bytes: Buffer, maxPixels: number): Promise<DecodeResult | null> {
  const header = readJpegHeader(bytes);
  if (!header || header.width * header.height > maxPixels) return null;
  const grey = header.components === 1;
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'truncated', page: 0, pages: 1, autoOrient: true })
      .toColourspace(grey ? 'b-w' : 'srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch {
    return null;
  }
  const { width, height, channels } = raw.info;
  if (width !== header.width || height !== header.height || channels !== header.components) return null;
  const data = new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength);
  const image: DecodedImage = { width, height, channels: channels as 1 | 3, bitDepth: 8, data, window: null };
  const info: ImageFileInfo = { format: 'jpeg', frames: 1, modality: null, groupId: null, metadata: { width, height, bitDepth: 8, channels, space: grey ? 'b-w' : 'srgb' } };
  return { info, frames: [image] };
}

interface JpegHeader {
  width: number;
  height: number;
  components: 1 | 3;
}

/** Baseline, extended and progressive Huffman-coded frames: what libjpeg-turbo decodes at 8 bits. */
const PLAIN_FRAMES = new Set([0xc0, 0xc1, 0xc2]);

/** Walks the markers up to the frame header; null for anything outside the fast subset. */
export function readJpegHeader(bytes: Uint8Array): JpegHeader | null {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 2; at + 4 <= bytes.length; ) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    const length = view.getUint16(at + 2);
    if (length < 2 || at + 2 + length > bytes.length) return null;
    const body = bytes.subarray(at + 4, at + 2 + length);
    if (marker === 0xe1 && exifOrientation(body) > 1) return null;
    if (marker === 0xee && isAdobe(body)) return null; // Adobe colour transforms: let decode/ read sharp's verdict
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return PLAIN_FRAMES.has(marker) ? frameHeader(body) : null;
    }
    if (marker === 0xda || marker === 0xd9) return null; // scan data before any frame header
    at += 2 + length;
  }
  return null;
}

function frameHeader(body: Uint8Array): JpegHeader | null {
  if (body.length < 6) return null;
  const precision = body[0];
  const height = (body[1] << 8) | body[2];
  const width = (body[3] << 8) | body[4];
  const components = body[5];
  if (precision !== 8 || width === 0 || height === 0 || (components !== 1 && components !== 3)) return null;
  return { width, height, components };
}

function isAdobe(body: Uint8Array): boolean {
  return body.length >= 5 && String.fromCharCode(...body.subarray(0, 5)) === 'Adobe';
}

/** The EXIF orientation tag (1 = upright, 0 = none or unreadable; unreadable files go to decode/ via 9). */
function exifOrientation(body: Uint8Array): number {
  if (body.length < 14 || String.fromCharCode(...body.subarray(0, 6)) !== 'Exif\0\0') return 0;
  const tiff = new DataView(body.buffer, body.byteOffset + 6, body.byteLength - 6);
  const order = tiff.getUint16(0);
  if (order !== 0x4949 && order !== 0x4d4d) return 9;
  const little = order === 0x4949;
  const ifd = tiff.getUint32(4, little);
  if (ifd + 2 > tiff.byteLength) return 9;
  const entries = tiff.getUint16(ifd, little);
  for (let i = 0; i < entries; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > tiff.byteLength) return 9;
    if (tiff.getUint16(entry, little) === 0x0112) return tiff.getUint16(entry + 8, little);
  }
  return 0;
}
