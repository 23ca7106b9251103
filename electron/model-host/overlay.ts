import sharp from 'sharp';
import type { DecodedImage } from '../../shared/domain/pixels.ts';
import { type PreprocessConfig, geometry } from '../training/preprocess/preprocess.ts';
import type { CamMap } from '../training/explain/grad-cam.ts';
import { toDisplayBytes } from '../imaging/render.ts';

/** The jet colour map (as matplotlib / cv2.COLORMAP_JET): 0 dark blue → 0.5 green → 1 dark red. */
export function jet(v: number): [number, number, number] {
  const c = (x: number) => Math.round(255 * Math.max(0, Math.min(1, x)));
  return [c(1.5 - Math.abs(4 * v - 3)), c(1.5 - Math.abs(4 * v - 2)), c(1.5 - Math.abs(4 * v - 1))];
}

/**
 * The windowed image exactly as the model saw it (resize + centre crop, or resize + padding, of
 * the preprocessing), at `size` px, with the heatmap blended on top in jet colours (`alpha` heat,
 * 1 - alpha image). Padding shows as mid-grey: the model saw the mean there.
 */
export async function renderOverlay(img: DecodedImage, cam: CamMap, view: Pick<PreprocessConfig, 'size' | 'cropPct' | 'resize'>, size: number, alpha = 0.45): Promise<Buffer> {
  const g = geometry(img.width, img.height, view);
  const channels = img.channels === 1 ? 1 : img.channels;
  const pad = { left: g.offset.left, top: g.offset.top, right: view.size - g.crop.width - g.offset.left, bottom: view.size - g.crop.height - g.offset.top };
  // sharp applies one resize per pipeline: build the model's view first, then scale it to `size`.
  const viewed = await sharp(toDisplayBytes(img), { raw: { width: img.width, height: img.height, channels: channels as 1 | 3 | 4 } })
    .removeAlpha()
    .resize(g.resizedWidth, g.resizedHeight, { fit: 'fill' })
    .extract(g.crop)
    .raw()
    .toBuffer({ resolveWithObject: true });
  const cropped = pad.left + pad.top + pad.right + pad.bottom === 0 ? viewed : await sharp(viewed.data, { raw: viewed.info })
    .extend({ ...pad, background: { r: 128, g: 128, b: 128 } })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const base = await sharp(cropped.data, { raw: { width: cropped.info.width, height: cropped.info.height, channels: cropped.info.channels } })
    .resize(size, size, { fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const heat = await sharp(Buffer.from(cam.values.map((v) => Math.round(v * 255))), { raw: { width: cam.width, height: cam.height, channels: 1 } })
    .resize(size, size, { fit: 'fill', kernel: 'linear' })
    .extractChannel(0)
    .raw()
    .toBuffer();
  const step = base.info.channels;
  const out = Buffer.alloc(size * size * 3);
  for (let p = 0; p < size * size; p++) {
    const colour = jet(heat[p] / 255);
    for (let k = 0; k < 3; k++) {
      const under = base.data[p * step + (step >= 3 ? k : 0)];
      out[p * 3 + k] = Math.round((1 - alpha) * under + alpha * colour[k]);
    }
  }
  return sharp(out, { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();
}
