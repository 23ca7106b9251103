import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DecodedImage } from '../../../shared/domain/pixels.ts';
import { encodeJpeg } from './jpeg-encode.ts';
import { renderImage, toDisplayBytes } from './render.ts';
import { shrinkImage } from './shrink.ts';

/** Longest side of a cached thumbnail, in pixels. */
export const THUMBNAIL_SIZE = 256;
/** JPEG: about half the bytes of PNG and faster to encode; the viewer (render/) stays lossless PNG. */
export const THUMBNAIL_TYPE = 'image/jpeg';
const THUMBNAIL_QUALITY = 85;

/**
 * Thumbnails are named by the content hash of the frame they show, so exact duplicates share one
 * file and a thumbnail can never show the wrong image after ids change.
 */
export function thumbnailPath(thumbDir: string, hash: string): string {
  return join(thumbDir, hash.slice(0, 2), `${hash}.jpg`);
}

/** Render the default-window thumbnail of a frame (for 16-bit and DICOM: the stored window). */
export async function renderThumbnail(img: DecodedImage): Promise<Buffer> {
  // Shrink first, window after: the per-pixel windowing then runs on 256 px, not on the full size.
  const small = shrinkImage(img, THUMBNAIL_SIZE);
  // Never enlarged: a 28 px image keeps a 28 px thumbnail, the grid scales it in the browser.
  const size = Math.min(THUMBNAIL_SIZE, Math.max(small.width, small.height));
  const window = img.window ?? undefined;
  // Grey and RGB (all but RGBA) through our own encoder: sharp's per-call setup alone costs more.
  if (small.channels !== 4) {
    return encodeJpeg({ width: small.width, height: small.height, channels: small.channels, data: toDisplayBytes(small, window) }, THUMBNAIL_QUALITY);
  }
  return renderImage(small, { window, size, invert: false, format: 'jpeg', quality: THUMBNAIL_QUALITY });
}

/**
 * Write a thumbnail unless it exists. Written to a temporary name and renamed, so a crash never
 * leaves a half-written file that would later be served as if it were complete.
 */
export async function writeThumbnail(thumbDir: string, hash: string, img: DecodedImage): Promise<Buffer | null> {
  const file = thumbnailPath(thumbDir, hash);
  if (existsSync(file)) return null;
  const png = await renderThumbnail(img);
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, png);
  renameSync(tmp, file);
  return png;
}
