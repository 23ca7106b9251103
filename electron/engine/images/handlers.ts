import { z } from 'zod';
import { decodeFile } from '../../imaging/decode/index.ts';
import type { ImageHandlers } from '../../../shared/contract/images.ts';
import type { CountedWriteArgs } from '../../../shared/contract/labels.ts';
import type { EngineContext } from '../context.ts';
import { type Implementation, nonEmpty } from '../handler.ts';
import { requireImages } from '../labels/label-store.ts';
import { CountDelta } from './count-delta.ts';
import { countedWrite, imageFilter as filter } from './filter-schema.ts';
import { imageDetail, setExcluded } from './image-detail.ts';
import { pixelLevels } from './levels.ts';
import { countImages, listImages, positionOf } from './query.ts';

const id = z.number().int().positive();
/** The list `images.list` pages through: which images, in which order. */
const order = z.object({ filter: filter.optional(), sort: z.enum(['id', 'path', 'imported', 'group']).optional(), descending: z.boolean().optional() });

export function imageHandlers(ctx: EngineContext): Implementation<ImageHandlers> {
  const db = () => ctx.project().db;
  const ids = z.array(id).min(1).max(1_000_000);
  /** Like a label key: the answer and the one event carry the count delta; the project is not recounted. */
  const exclude = (imageIds: number[], excluded: boolean, reason: string | null, { filter, clientId }: CountedWriteArgs) => {
    requireImages(db(), imageIds);
    const delta = new CountDelta(db(), filter);
    const changed = db().transaction(() => delta.around(imageIds, () => setExcluded(db(), imageIds, excluded, reason))).immediate();
    const moved = delta.result();
    if (changed > 0) ctx.events.emit('images.excluded', { imageIds, excluded, counts: moved.counts, ...(clientId === undefined ? {} : { clientId }) });
    return { changed, ...moved };
  };
  return {
    'images.list': {
      schema: order.extend({
        offset: z.number().int().min(0).optional(),
        limit: z.number().int().min(1).max(1000, { message: 'at most 1000 images per page' }).optional(),
      }),
      run: ({ filter, sort = 'id', descending = false, offset = 0, limit = 100 }) => listImages(db(), { filter, sort, descending, offset, limit }),
    },
    'images.locate': {
      schema: order.extend({ id }),
      run: ({ id, filter, sort = 'id', descending = false }) => ({ position: positionOf(db(), id, { filter, sort, descending }) }),
    },
    'images.counts': { schema: z.object({ filter: filter.optional() }), run: ({ filter }) => countImages(db(), filter) },
    'images.get': { schema: z.object({ id }), run: ({ id }) => imageDetail(db(), id) },
    'images.levels': {
      schema: z.object({ id }),
      run: async ({ id }) => {
        const { path, frame } = imageDetail(db(), id);
        const { frames } = await decodeFile(path, { frame });
        return pixelLevels(frames.length > 1 ? frames[frame] : frames[0]);
      },
    },
    'images.exclude': {
      schema: countedWrite.extend({ imageIds: ids, reason: nonEmpty('reason') }),
      run: ({ imageIds, reason, ...write }) => exclude(imageIds, true, reason, write),
    },
    'images.include': {
      schema: countedWrite.extend({ imageIds: ids }),
      run: ({ imageIds, ...write }) => exclude(imageIds, false, null, write),
    },
  };
}
