import sharp, { type Metadata, type OutputInfo } from 'sharp';
import type { DecodedImage, ImageFileInfo } from '../../../shared/domain/pixels.ts';
import { EngineError, validation } from '../../../shared/contract/errors.ts';
import { checkPixelLimit, corruptFile, unsupportedFile } from './errors.ts';
import { sampleRangeWindow } from './window.ts';
import type { DecodeOptions, DecodeResult } from './types.ts';

/**
 * PNG, JPEG, TIFF and WebP through sharp (libvips), as raw interleaved samples.
 * Multi-page TIFF: only the requested page (default the first) is decoded, since extra pages are
 * usually reduced-resolution previews, not further images; info.frames still counts them.
 */
export async function decodeRaster(
  buffer: Buffer,
  file: string,
  format: string,
  opts: DecodeOptions,
): Promise<DecodeResult> {
  const meta = await readMetadata(buffer, file, format);
  const pages = meta.pages ?? 1;
  const page = opts.frame ?? 0;
  if (page < 0 || page >= pages) {
    throw validation(`${file}: has ${pages} page(s); page ${page} does not exist.`, { file });
  }
  const width = meta.autoOrient?.width ?? meta.width;
  const height = meta.autoOrient?.height ?? meta.height;
  checkPixelLimit(file, width, height, 1, opts.maxPixels);
  const image = await decodePixels(buffer, file, meta, page, opts.maxPixels);
  const info: ImageFileInfo = {
    format,
    frames: pages,
    modality: null,
    groupId: null,
    metadata: { width, height, bitDepth: image.bitDepth, channels: image.channels, space: meta.space },
  };
  return { info, frames: [image] };
}

async function readMetadata(buffer: Buffer, file: string, format: string): Promise<Metadata> {
  try {
    // metadata() parses the header only: the pixel limit is checked before any pixel is decoded.
    return await sharp(buffer, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw corruptFile(file, `cannot read the ${format.toUpperCase()} header (${sharpReason(e)})`);
  }
}

type Depth = 'uchar' | 'ushort' | 'float';

async function decodePixels(
  buffer: Buffer,
  file: string,
  meta: Metadata,
  page: number,
  maxPixels: number,
): Promise<DecodedImage> {
  const depth: Depth = meta.depth === 'uchar' || meta.depth === 'char' ? 'uchar' : isInt16(meta.depth) ? 'ushort' : 'float';
  let pipeline = sharp(buffer, { limitInputPixels: maxPixels, failOn: 'truncated', page, pages: 1, autoOrient: true });
  // Raw output follows the pipeline's colourspace: name it, or grey comes back as 3 equal channels.
  const grey = meta.channels <= 2 || meta.space === 'b-w' || meta.space === 'grey16';
  if (grey && (meta.channels === 2 || meta.hasAlpha)) pipeline = pipeline.removeAlpha();
  pipeline = pipeline.toColourspace(grey ? (depth === 'ushort' ? 'grey16' : 'b-w') : depth === 'ushort' ? 'rgb16' : 'srgb');
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await pipeline.raw({ depth }).toBuffer({ resolveWithObject: true });
  } catch (e) {
    if (e instanceof EngineError) throw e;
    throw corruptFile(file, `the pixel data cannot be decoded (${sharpReason(e)})`);
  }
  const channels = raw.info.channels;
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw unsupportedFile(file, `has ${channels} colour channels; only grey, RGB and RGBA images are supported.`);
  }
  const data = typedSamples(raw.data, depth);
  const bitDepth = depth === 'uchar' ? 8 : depth === 'ushort' ? (meta.bitsPerSample ?? 16) : 32;
  return {
    width: raw.info.width,
    height: raw.info.height,
    channels,
    bitDepth,
    data,
    window: depth === 'uchar' ? null : sampleRangeWindow(data),
  };
}

function isInt16(depth: string | undefined): boolean {
  return depth === 'ushort' || depth === 'short';
}

/** Copies into a fresh aligned typed array: sharp's Buffer may sit at an odd offset in a pool. */
function typedSamples(buf: Buffer, depth: Depth): Uint8Array | Uint16Array | Float32Array {
  if (depth === 'uchar') return new Uint8Array(buf);
  const bytes = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  return depth === 'ushort' ? new Uint16Array(bytes) : new Float32Array(bytes);
}

function sharpReason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0].trim().slice(0, 160);
}
