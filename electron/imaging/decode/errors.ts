import { unsupported, validation, type EngineError } from '../../../shared/contract/errors.ts';

/**
 * Error builders shared by every decoder, so the import report reads the same whatever the format:
 * each message names the file (basename only: full paths are noise in a report) and says what to do.
 */

export function corruptFile(file: string, what: string): EngineError {
  return validation(`${file}: ${what}. The file is damaged or incomplete; re-export or copy it again.`, { file });
}

export function unsupportedFile(file: string, what: string): EngineError {
  return unsupported(`${file}: ${what}`, { file });
}

/** Per-frame pixel limit: decompression bombs declare huge sizes in a few bytes of header. */
export const DEFAULT_MAX_PIXELS = 100_000_000;

/** Limit over all decoded frames together (multi-frame DICOM); 8 full-size frames by default. */
export const maxTotalPixelsFor = (maxPixels: number): number => maxPixels * 8;

/**
 * Refuses a size read from a header before a single pixel buffer is allocated.
 * `frames` is the number of frames that will actually be decoded.
 */
export function checkPixelLimit(file: string, width: number, height: number, frames: number, maxPixels: number): void {
  if (!(width > 0 && height > 0 && Number.isInteger(width) && Number.isInteger(height))) {
    throw corruptFile(file, `the header declares an invalid image size ${width}x${height}`);
  }
  if (width * height > maxPixels) {
    throw validation(
      `${file}: the image is ${width}x${height} (${formatMp(width * height)}), above the limit of ` +
        `${formatMp(maxPixels)} per image. Downscale or tile it before importing.`,
      { file, width, height, limit: maxPixels },
    );
  }
  const total = width * height * frames;
  const maxTotal = maxTotalPixelsFor(maxPixels);
  if (total > maxTotal) {
    throw validation(
      `${file}: ${frames} frames of ${width}x${height} (${formatMp(total)} in all) exceed the limit of ` +
        `${formatMp(maxTotal)} per file. Split the series into smaller files before importing.`,
      { file, width, height, frames, limit: maxTotal },
    );
  }
}

function formatMp(pixels: number): string {
  return `${(pixels / 1e6).toFixed(pixels < 1e6 ? 2 : 0)} megapixels`;
}
