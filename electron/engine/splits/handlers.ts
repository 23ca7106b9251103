import { z } from 'zod';
import { validation } from '../../../shared/contract/errors.ts';
import type { SplitHandlers } from '../../../shared/contract/splits.ts';
import type { EngineContext } from '../context.ts';
import { type Implementation, noArgs } from '../handler.ts';
import { findLeakage } from './leakage.ts';
import { createSplits, lockSplits, splitReport, splitUsers } from './store.ts';

export const DEFAULT_RATIOS: [number, number, number] = [0.7, 0.15, 0.15];

const ratios = z
  .tuple([z.number().min(0).max(1), z.number().min(0).max(1), z.number().min(0).max(1)])
  .refine((r) => Math.abs(r[0] + r[1] + r[2] - 1) < 1e-6, { message: 'the train, val and test ratios must add up to 1 (e.g. 0.7, 0.15, 0.15)' });

export function splitHandlers(ctx: EngineContext): Implementation<SplitHandlers> {
  const db = () => ctx.project().db;
  return {
    'splits.create': {
      schema: z.object({
        ratios: ratios.optional(),
        seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
        groupBy: z.enum(['patient', 'none']).optional(),
      }),
      run: ({ ratios = DEFAULT_RATIOS, seed = 0, groupBy = 'patient' }) => {
        if (ratios[0] <= 0) throw validation('The train ratio must be above 0: a model needs images to learn from.');
        if (ratios[1] <= 0) throw validation('The validation ratio must be above 0: training checks itself (and stops early) on the validation images.');
        const report = createSplits(db(), { ratios, seed, groupBy });
        ctx.projectChanged();
        return report;
      },
    },
    'splits.report': { schema: noArgs, run: () => splitReport(db()) },
    'splits.lock': {
      schema: z.object({ locked: z.boolean() }),
      run: ({ locked }) => {
        const report = lockSplits(db(), locked);
        ctx.projectChanged();
        return report;
      },
    },
    'splits.usage': { schema: noArgs, run: () => ({ runs: splitUsers(db()) }) },
    'splits.leakage': { schema: noArgs, run: () => findLeakage(db()) },
  };
}
