import { notFound, validation } from '../../../shared/contract/errors.ts';
import type { DecodedImage } from '../../../shared/domain/pixels.ts';
import type { EngineContext } from '../context.ts';
import { decodeFile } from '../../imaging/decode/index.ts';
import { renderImage } from '../../imaging/render.ts';
import { THUMBNAIL_TYPE, cachedThumbnail } from './thumbnails.ts';

interface ImageRef {
  id: number;
  hash: string;
  path: string;
  frame: number;
}

/** Largest side the viewer may ask for; beyond that a request is a mistake or an attack. */
const MAX_RENDER_SIZE = 8192;
/** Decoded frames kept for the viewer, so dragging the window/level does not decode again. */
const DECODED_CACHE = 4;

/**
 * Serves `thumb/<imageId>` (the cached default-window thumbnail, made again if it went missing) and
 * `render/<imageId>?wc=&ww=&size=&invert=&frame=` (the viewer). Only ids of the open project resolve.
 */
export function registerDatasetAssets(ctx: EngineContext): void {
  const decoded = new Map<string, DecodedImage>();
  const decode = async (ref: ImageRef, frame: number): Promise<DecodedImage> => {
    const key = `${ctx.project().dir}\u0000${ref.id}\u0000${frame}`;
    const hit = decoded.get(key);
    if (hit) {
      decoded.delete(key);
      decoded.set(key, hit);
      return hit;
    }
    const { frames } = await decodeFile(ref.path, { frame });
    const img = frames.length > 1 ? frames[frame] : frames[0];
    decoded.set(key, img);
    if (decoded.size > DECODED_CACHE) decoded.delete(decoded.keys().next().value as string);
    return img;
  };
  ctx.assets.register('thumb', async (rest) => {
    const ref = imageRef(ctx, rest);
    // Thumbnails are keyed by content hash, so a cached one never goes stale: cache for an hour.
    const body = await cachedThumbnail(ctx.project(), ref.hash, () => decode(ref, ref.frame));
    return { contentType: THUMBNAIL_TYPE, body, maxAge: 3600 };
  });
  ctx.assets.register('render', async (rest, query) => {
    const ref = imageRef(ctx, rest);
    const opts = renderQuery(query, ref.frame);
    const img = await decode(ref, opts.frame);
    const window = opts.window ?? img.window ?? undefined;
    const body = await renderImage(img, { window, size: opts.size, invert: opts.invert, format: 'png' });
    return { contentType: 'image/png', body, maxAge: 0 };
  });
}

function imageRef(ctx: EngineContext, rest: string): ImageRef {
  const id = /^\d+$/.test(rest) ? Number(rest) : NaN;
  const row = Number.isSafeInteger(id)
    ? (ctx.project().db.prepare('SELECT id, hash, path, frame FROM images WHERE id = ?').get(id) as ImageRef | undefined)
    : undefined;
  if (!row) throw notFound(`There is no image "${rest}" in this project.`);
  return row;
}

/** Parse the viewer's query; a window needs both centre and width. */
export function renderQuery(query: URLSearchParams, defaultFrame: number) {
  const num = (name: string) => {
    const raw = query.get(name);
    if (raw === null || raw === '') return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n)) throw validation(`The viewer parameter ${name}="${raw}" is not a number.`);
    return n;
  };
  const wc = num('wc');
  const ww = num('ww');
  if ((wc === undefined) !== (ww === undefined)) throw validation('Give both wc (window centre) and ww (window width), or neither.');
  if (ww !== undefined && ww <= 0) throw validation(`The window width must be positive; got ww=${ww}.`);
  const size = num('size');
  if (size !== undefined && (!Number.isInteger(size) || size < 1 || size > MAX_RENDER_SIZE)) {
    throw validation(`size must be a whole number of pixels between 1 and ${MAX_RENDER_SIZE}; got ${size}.`);
  }
  const frame = num('frame') ?? defaultFrame;
  if (!Number.isInteger(frame) || frame < 0) throw validation(`frame must be a frame number (0, 1, 2 ...); got ${frame}.`);
  const invert = query.get('invert') === '1' || query.get('invert') === 'true';
  return { window: wc !== undefined && ww !== undefined ? { center: wc, width: ww } : undefined, size, invert, frame };
}
