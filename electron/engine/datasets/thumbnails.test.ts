import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { DecodedImage } from '../../../shared/domain/pixels.ts';
import { decodeBuffer } from '../../imaging/decode/index.ts';
import { encodeJpeg } from '../../imaging/jpeg-encode.ts';
import { toDisplayBytes } from '../../imaging/render.ts';
import { shrinkImage } from '../../imaging/shrink.ts';
import { decodeSharp, psnr } from '../../imaging/testing/fixtures.ts';
import { PLAIN_ANATOMY, drawPhantom } from './demo/phantom.ts';
import { renderThumbnail } from './thumbnails.ts';

// The JPEG encoder's own tests (imaging/jpeg-encode.test.ts) use synthetic noise; these use what the
// encoder writes most in the app: the thumbnail of a demo X-ray.

/** The demo X-ray's default thumbnail pixels (256 px, windowed to 8 bits). */
function xrayThumbnailPixels(): Uint8Array {
  let s = 3;
  const random = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const anatomy = PLAIN_ANATOMY;
  const data = drawPhantom({ size: 512, anatomy, finding: 'opacity', jitterX: 0, exposure: 1, random });
  const img: DecodedImage = { width: 512, height: 512, channels: 1, bitDepth: 16, data, window: null };
  return toDisplayBytes(shrinkImage(img, 256));
}

describe('the JPEG encoder on a demo X-ray thumbnail', () => {
  it('keeps it within 40 dB at q85, read back through decode/ as one grey channel', async () => {
    const px = xrayThumbnailPixels();
    const decoded = (await decodeBuffer(encodeJpeg({ width: 256, height: 256, channels: 1, data: px }, 85), 'thumb.jpg')).frames[0];
    expect([decoded.width, decoded.height, decoded.channels, decoded.bitDepth]).toEqual([256, 256, 1, 8]);
    expect(psnr(px, decoded.data as Uint8Array)).toBeGreaterThan(40);
  });

  it('stays within 1.6x of sharp (mozjpeg, optimized Huffman tables) in bytes at q85 and q100', async () => {
    const px = xrayThumbnailPixels();
    for (const q of [85, 100]) {
      const ours = encodeJpeg({ width: 256, height: 256, channels: 1, data: px }, q).length;
      const theirs = (await sharp(Buffer.from(px), { raw: { width: 256, height: 256, channels: 1 } }).toColourspace('b-w').jpeg({ quality: q }).toBuffer()).length;
      expect(ours / theirs).toBeGreaterThan(0.5);
      expect(ours / theirs, `x-ray q${q}: ${(ours / theirs).toFixed(2)}`).toBeLessThan(1.6);
    }
  });
});

describe('renderThumbnail', () => {
  it('encodes the windowed 16-bit thumbnail as grey JPEG with the same pixels sharp would show', async () => {
    const data = drawPhantom({ size: 300, anatomy: PLAIN_ANATOMY, finding: 'normal', jitterX: 0, exposure: 1, random: () => 0.5 });
    const img: DecodedImage = { width: 300, height: 300, channels: 1, bitDepth: 16, data, window: { center: 20000, width: 30000 } };
    const jpeg = await renderThumbnail(img);
    const out = await decodeSharp(jpeg, 1);
    expect([out.width, out.height, (await sharp(jpeg).metadata()).channels]).toEqual([256, 256, 1]);
    expect(psnr(toDisplayBytes(shrinkImage(img, 256), img.window ?? undefined), out.data)).toBeGreaterThan(40);
  });
});
