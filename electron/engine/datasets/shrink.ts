import sharp from 'sharp';
import type { DecodedImage } from '../../../shared/domain/pixels.ts';

type Space = 'b-w' | 'srgb' | 'grey16' | 'rgb16';

/** The colourspace that makes sharp keep samples as they are (no gamma, no rescale) for this layout. */
function spaceFor(img: DecodedImage): Space | null {
  if (img.data instanceof Uint8Array) return img.channels === 1 ? 'b-w' : 'srgb';
  if (img.data instanceof Uint16Array) return img.channels === 1 ? 'grey16' : img.channels === 3 ? 'rgb16' : null;
  return null; // float samples (rescaled DICOM): sharp would not keep them; the caller uses the full image
}

/**
 * Downscale (area-averaged, same sample type and values) so that the longest side is at most
 * `maxSide`; the default window stays that of the full image. Thumbnails and perceptual hashes
 * are made from this, so per-pixel JavaScript work runs on 256 px instead of the full size.
 */
export async function shrinkImage(img: DecodedImage, maxSide: number): Promise<DecodedImage> {
  const space = spaceFor(img);
  if (Math.max(img.width, img.height) <= maxSide || space === null) return img;
  const { data, info } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: img.channels } })
    .toColourspace(space)
    .resize({ width: maxSide, height: maxSide, fit: 'inside' })
    .raw({ depth: img.data instanceof Uint8Array ? 'uchar' : 'ushort' })
    .toBuffer({ resolveWithObject: true });
  const bytes = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  const samples = img.data instanceof Uint8Array ? new Uint8Array(bytes) : new Uint16Array(bytes);
  if (info.channels !== img.channels) return img;
  return { ...img, width: info.width, height: info.height, data: samples };
}
