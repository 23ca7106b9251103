import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DecodedImage } from '../../../shared/domain/pixels.ts';
import type { Project } from '../projects/project.ts';
import { encodeJpeg } from '../../imaging/jpeg-encode.ts';
import { renderImage, toDisplayBytes } from '../../imaging/render.ts';
import { shrinkImage } from '../../imaging/shrink.ts';

/** Longest side of a cached thumbnail, in pixels. */
export const THUMBNAIL_SIZE = 256;
/** JPEG: about half the bytes of PNG and faster to encode; the viewer (render/) stays lossless PNG. */
export const THUMBNAIL_TYPE = 'image/jpeg';
const THUMBNAIL_QUALITY = 85;

/**
 * Where thumbnails were kept before the cache database (one file per content hash). Projects
 * from then still have them: the first request for one copies it into the cache.
 */
export function legacyThumbnailPath(thumbDir: string, hash: string): string {
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
 * The cached thumbnail of a frame: from the cache database, else from a file of an older project
 * version (copied into the cache), else rendered now from `decode()` and stored.
 */
export async function cachedThumbnail(project: Project, hash: string, decode: () => Promise<DecodedImage>): Promise<Buffer> {
  const hit = project.thumbnails.get(hash);
  if (hit) return hit;
  const legacy = legacyThumbnailPath(project.folder('thumbnails'), hash);
  const jpeg = existsSync(legacy) ? readFileSync(legacy) : await renderThumbnail(await decode());
  project.thumbnails.putMany([{ hash, jpeg }]);
  return jpeg;
}
