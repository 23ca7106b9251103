import { existsSync } from 'node:fs';
import { z } from 'zod';
import type { DatasetHandlers, ImportReport } from '../../../shared/contract/datasets.ts';
import { conflict, notFound, validation } from '../../../shared/contract/errors.ts';
import type { EngineContext } from '../context.ts';
import { type Implementation, nonEmpty } from '../handler.ts';
import { registerDatasetAssets } from './assets.ts';
import { type ImportTuning, NEAR_DUPLICATE_THRESHOLD, emptyReport, runImport } from './import/import-job.ts';

const startSchema = z
  .object({
    paths: z.array(nonEmpty('each path')).max(100_000),
    csv: nonEmpty('csv').optional(),
    classFolders: z.boolean().optional(),
    copy: z.boolean().optional(),
  })
  .strict()
  .refine((a) => a.paths.length > 0 || a.csv !== undefined, { message: 'Give at least one file or folder to import, or a CSV that lists them.' });

/** Import and the assets it produces (thumbnails, viewer renders). Registers the asset providers once per engine. */
export function datasetHandlers(ctx: EngineContext, tuning: ImportTuning = {}): Implementation<DatasetHandlers> {
  registerDatasetAssets(ctx);
  // Reports of this session's imports, also those cancelled (the jobs table keeps only completed ones).
  const reports = new Map<string, ImportReport>();
  return {
    'import.start': {
      schema: startSchema,
      run: (args) => {
        const project = ctx.project();
        // A wrong CSV path is a typo to fix now, not a failed job to discover later.
        if (args.csv && !existsSync(args.csv)) throw validation(`The label file ${args.csv} does not exist; check the CSV path.`);
        const report = emptyReport(tuning.nearThreshold ?? NEAR_DUPLICATE_THRESHOLD);
        const jobId = ctx.jobs.start('import', args, async (job) => {
          reports.set(job.jobId, report);
          try {
            return await runImport(project, args, job, report, tuning);
          } finally {
            if (ctx.hasProject && ctx.project() === project) ctx.projectChanged();
          }
        });
        return { jobId };
      },
    },
    'import.report': {
      schema: z.object({ jobId: z.string().min(1) }).strict(),
      run: ({ jobId }) => {
        const live = reports.get(jobId);
        // A copy: the live report keeps changing while the job runs.
        return live ? structuredClone(live) : storedReport(ctx, jobId);
      },
    },
  };
}

function storedReport(ctx: EngineContext, jobId: string): ImportReport {
  const row = ctx.project().db.prepare('SELECT kind, status, result FROM jobs WHERE id = ?').get(jobId) as
    | { kind: string; status: string; result: string | null }
    | undefined;
  if (!row || row.kind !== 'import') throw notFound(`This project has no import job ${jobId}.`);
  const report = row.result ? (JSON.parse(row.result) as ImportReport | null) : null;
  if (!report) throw conflict(`Import ${jobId} ended as "${row.status}" without a stored report; import the files again to get one.`);
  return report;
}
