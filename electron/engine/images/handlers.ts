import { z } from 'zod';
import type { ImageHandlers } from '../../../shared/contract/images.ts';
import type { EngineContext } from '../context.ts';
import { type Implementation, nonEmpty } from '../handler.ts';
import { requireImages } from '../labels/label-store.ts';
import { imageDetail, setExcluded } from './image-detail.ts';
import { countImages, listImages } from './query.ts';

const id = z.number().int().positive();
const filter = z
  .object({
    classIds: z.array(id).max(1000).optional(),
    unlabeled: z.boolean().optional(),
    split: z.enum(['train', 'val', 'test', 'none']).optional(),
    excluded: z.boolean().optional(),
    groupId: z.string().optional(),
    duplicates: z.enum(['exact', 'near', 'any']).optional(),
    search: z.string().optional(),
  })
  .strict();

export function imageHandlers(ctx: EngineContext): Implementation<ImageHandlers> {
  const db = () => ctx.project().db;
  const ids = z.array(id).min(1).max(1_000_000);
  return {
    'images.list': {
      schema: z.object({
        filter: filter.optional(),
        sort: z.enum(['id', 'path', 'imported', 'group']).optional(),
        descending: z.boolean().optional(),
        offset: z.number().int().min(0).optional(),
        limit: z.number().int().min(1).max(1000, { message: 'at most 1000 images per page' }).optional(),
      }),
      run: ({ filter, sort = 'id', descending = false, offset = 0, limit = 100 }) => listImages(db(), { filter, sort, descending, offset, limit }),
    },
    'images.counts': { schema: z.object({ filter: filter.optional() }), run: ({ filter }) => countImages(db(), filter) },
    'images.get': { schema: z.object({ id }), run: ({ id }) => imageDetail(db(), id) },
    'images.exclude': {
      schema: z.object({ imageIds: ids, reason: nonEmpty('reason') }),
      run: ({ imageIds, reason }) => {
        requireImages(db(), imageIds);
        const changed = setExcluded(db(), imageIds, true, reason);
        ctx.projectChanged();
        return { changed };
      },
    },
    'images.include': {
      schema: z.object({ imageIds: ids }),
      run: ({ imageIds }) => {
        requireImages(db(), imageIds);
        const changed = setExcluded(db(), imageIds, false, null);
        ctx.projectChanged();
        return { changed };
      },
    },
  };
}
