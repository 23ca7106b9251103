import { z } from 'zod';
import type { JobHandlers } from '../../../shared/contract/jobs.ts';
import type { EngineContext } from '../context.ts';
import { type Implementation, noArgs } from '../handler.ts';
import { sleep } from './job-manager.ts';

export function jobHandlers(ctx: EngineContext): Implementation<JobHandlers> {
  const jobId = z.object({ jobId: z.string().min(1) });
  return {
    'job.list': { schema: noArgs, run: () => ctx.jobs.list() },
    'job.get': { schema: jobId, run: ({ jobId }) => ctx.jobs.get(jobId) },
    'job.cancel': { schema: jobId, run: ({ jobId }) => ctx.jobs.cancel(jobId) },
    'job.wait': { schema: jobId, run: ({ jobId }) => ctx.jobs.wait(jobId) },
    'job.count': {
      schema: z.object({ to: z.number().int().min(0).max(1_000_000), intervalMs: z.number().int().min(0).max(60_000).optional() }),
      run: ({ to, intervalMs = 10 }) => {
        const id = ctx.jobs.start('count', { to, intervalMs }, async (job) => {
          for (let i = 1; i <= to; i++) {
            await sleep(intervalMs, job.signal);
            job.progress(i, to, `Counted ${i} of ${to}`);
          }
          return { counted: to };
        });
        return { jobId: id };
      },
    },
  };
}
