import { z } from 'zod';

const id = z.number().int().positive();

/** The image browser's filter at the boundary (shared by listing, counting and counted writes). */
export const imageFilter = z
  .object({
    classIds: z.array(id).max(1000).optional(),
    unlabeled: z.boolean().optional(),
    split: z.enum(['train', 'val', 'test', 'none']).optional(),
    labelSource: z.enum(['human', 'model', 'import']).optional(),
    excluded: z.boolean().optional(),
    groupId: z.string().optional(),
    duplicates: z.enum(['exact', 'near', 'any']).optional(),
    search: z.string().optional(),
  })
  .strict();

/** The arguments every counted write accepts (CountedWriteArgs). */
export const countedWrite = z.object({
  filter: imageFilter.optional(),
  clientId: z.string().min(1).max(100, { message: 'clientId must be at most 100 characters' }).optional(),
});
