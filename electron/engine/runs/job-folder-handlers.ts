import { z } from 'zod';
import type { JobFolder, ScaleOutHandlers } from '../../../shared/contract/runs.ts';
import type { EngineContext } from '../context.ts';
import type { Implementation } from '../handler.ts';
import type { JobContext } from '../jobs/job-manager.ts';
import { planRun, runOptionsSchema } from './handlers.ts';
import { exportJob } from '../scale-out/job-export.ts';
import { importJob } from '../scale-out/job-import.ts';

/** Quote a path for a POSIX shell when it needs it. */
const sh = (p: string) => (/^[\w@%+=:,./-]+$/.test(p) ? p : `'${p.replaceAll("'", "'\\''")}'`);

/** The commands the Train view shows after an export: run the job there, then bring it back. */
export function jobCommands(dir: string, projectDir: string): string[] {
  return [
    `cd ${sh(dir)}`,
    'python3 train.py                                   # one process (CUDA when available)',
    'torchrun --standalone --nproc_per_node 4 train.py  # or 4 ranks, DistributedDataParallel',
    `labeltune job import ${sh(projectDir)} ${sh(dir)}    # or "Import a finished job" here`,
  ];
}

/** runs.exportJob / runs.importJob: the CLI's `job export` and `job import` as jobs of the engine. */
export function scaleOutHandlers(ctx: EngineContext): Implementation<ScaleOutHandlers> {
  return {
    'runs.exportJob': {
      schema: z.object({ options: runOptionsSchema, dir: z.string().trim().min(1, { message: 'Give the folder to write the job to.' }), copy: z.boolean().optional() }).strict(),
      run: ({ options, dir, copy = false }) => {
        const project = ctx.project();
        const body = async (job: JobContext): Promise<JobFolder> => {
          job.progress(0, 2, 'Planning the run');
          // The LR range test runs inside the app's trainer: a job uses the rule's rates (or the given lr).
          const { plan } = await planRun(ctx, { ...options, lrSearch: false });
          job.progress(1, 2, copy ? 'Writing the job folder and copying the images' : 'Writing the job folder');
          const r = await exportJob(project.db, project.dir, plan, dir, { copy });
          return { dir: r.dir, files: r.files, trainImages: r.trainImages, valImages: r.valImages, commands: jobCommands(r.dir, project.dir) };
        };
        return { jobId: ctx.jobs.start('job-export', { dir }, body) };
      },
    },
    'runs.importJob': {
      schema: z.object({ dir: z.string().trim().min(1, { message: 'Give the job folder to import.' }) }).strict(),
      run: ({ dir }) => {
        const project = ctx.project();
        return { jobId: ctx.jobs.start('job-import', { dir }, async (job) => {
          job.progress(0, 1, 'Checking and converting the job’s checkpoints');
          return importJob(project.db, project.dir, dir);
        }) };
      },
    },
  };
}
