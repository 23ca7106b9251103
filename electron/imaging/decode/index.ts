import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { DecodedImage, ImageFileInfo } from '../../../shared/domain/pixels.ts';
import { notFound, validation } from '../../../shared/contract/errors.ts';
import { decodeBmp } from './bmp.ts';
import { decodeDicom } from './dicom/index.ts';
import { DEFAULT_MAX_PIXELS, corruptFile, unsupportedFile } from './errors.ts';
import { decodeRaster } from './raster.ts';
import { sniffFormat } from './sniff.ts';
import type { DecodeResult } from './types.ts';

export { DEFAULT_MAX_PIXELS } from './errors.ts';
export { sniffFormat, type ImageFormat } from './sniff.ts';
export type { DecodeResult } from './types.ts';

export interface DecodeFileOptions {
  /** Largest width x height of one frame (default 100 megapixels), checked from the header before decoding. */
  maxPixels?: number;
  /** Decode only this frame (0-based). Without it every frame of a multi-frame DICOM is decoded. */
  frame?: number;
}

/**
 * Decodes an image file, recognising the format from its content (PNG, JPEG, TIFF, BMP, WebP, GIF,
 * DICOM with or without preamble), never from its extension.
 *
 * Frames: multi-frame DICOM yields one DecodedImage per frame (all of them unless opts.frame is
 * given); multi-page TIFF yields the first (or the requested) page; info.frames counts them all.
 *
 * Errors are EngineErrors naming the file: 'not-found' (unreadable path), 'validation' (empty,
 * truncated or corrupt file, too many pixels), 'unsupported' (unknown format, DICOM transfer
 * syntax or pixel layout we cannot decode).
 */
export async function decodeFile(path: string, opts: DecodeFileOptions = {}): Promise<{ info: ImageFileInfo; frames: DecodedImage[] }> {
  const file = basename(path);
  const buffer = await readImageFile(path, file);
  return decodeBuffer(buffer, file, opts);
}

/** decodeFile for bytes already in memory; `file` names them in error messages. */
export async function decodeBuffer(buffer: Buffer, file: string, opts: DecodeFileOptions = {}): Promise<DecodeResult> {
  if (buffer.length === 0) throw validation(`${file}: the file is empty (0 bytes). Copy it again from its source.`, { file });
  const options = { maxPixels: opts.maxPixels ?? DEFAULT_MAX_PIXELS, frame: opts.frame };
  const format = sniffFormat(buffer.subarray(0, 512));
  switch (format) {
    case 'png':
    case 'jpeg':
    case 'tiff':
    case 'webp':
    case 'gif':
      return decodeRaster(buffer, file, format, options);
    case 'bmp':
      return decodeBmp(buffer, file, options);
    case 'dicom':
      return decodeDicom(buffer, file, options);
    default:
      throw unknownFormat(buffer, file);
  }
}

async function readImageFile(path: string, file: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw validation(`${file}: is a folder, not an image file.`, { file });
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' || code === 'EPERM' ? 'cannot be read (permission denied)' : `cannot be read (${code ?? String(e)})`;
    throw notFound(`${file}: the file ${why}. Check the path and that the file is readable.`, { file, path });
  }
}

function unknownFormat(buffer: Buffer, file: string) {
  const text = buffer.subarray(0, 64).every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127));
  if (text) return unsupportedFile(file, 'is a text file, not an image. Supported formats: PNG, JPEG, TIFF, BMP, WebP and DICOM.');
  if (buffer.length < 32) return corruptFile(file, `is only ${buffer.length} bytes long, too short for any image format`);
  return unsupportedFile(file, 'is not in a supported image format (PNG, JPEG, TIFF, BMP, WebP or DICOM). Convert it to PNG.');
}
