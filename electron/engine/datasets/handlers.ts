import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { DatasetHandlers, ImportReport } from '../../../shared/contract/datasets.ts';
import { conflict, notFound, validation } from '../../../shared/contract/errors.ts';
import type { EngineContext } from '../context.ts';
import { type Implementation, nonEmpty } from '../handler.ts';
import { registerDatasetAssets } from './assets.ts';
import { generateDemoImages } from './demo/generate.ts';
import { inspectLabelCsv } from './import/csv.ts';
import { absolutePath } from '../projects/paths.ts';
import { Project } from '../projects/project.ts';
import type { StartImportArgs } from '../../../shared/contract/datasets.ts';
import { type ImportTuning, NEAR_DUPLICATE_THRESHOLD, emptyReport, importBatchId, runImport } from './import/import-job.ts';
import { claimBatch } from '../labels/label-store.ts';

const startSchema = z
  .object({
    paths: z.array(nonEmpty('each path')).max(100_000),
    csv: nonEmpty('csv').optional(),
    classFolders: z.boolean().optional(),
    copy: z.boolean().optional(),
    csvColumns: z.object({ path: z.string().min(1).optional(), label: z.string().min(1).optional(), group: z.string().min(1).optional(), auxLabel: z.string().min(1).optional(), split: z.string().min(1).optional() }).strict().optional(),
    session: z.string().min(1).max(100).optional(),
  })
  .strict()
  .refine((a) => a.paths.length > 0 || a.csv !== undefined, { message: 'Give at least one file or folder to import, or a CSV that lists them.' });

/** Import and the assets it produces (thumbnails, viewer renders). Registers the asset providers once per engine. */
export function datasetHandlers(ctx: EngineContext, tuning: ImportTuning = {}): Implementation<DatasetHandlers> {
  registerDatasetAssets(ctx);
  // Reports of this session's imports, also those cancelled (the jobs table keeps only completed ones).
  const reports = new Map<string, ImportReport>();
  const startImport = (args: StartImportArgs, after?: () => void): string => {
    const project = ctx.project();
    const report = emptyReport(tuning.nearThreshold ?? NEAR_DUPLICATE_THRESHOLD);
    return ctx.jobs.start('import', args, async (job) => {
      reports.set(job.jobId, report);
      try {
        return await runImport(project, args, job, report, tuning);
      } finally {
        after?.();
        if (ctx.hasProject && ctx.project() === project) ctx.projectChanged();
      }
    });
  };
  return {
    'import.start': {
      schema: startSchema,
      run: (args) => {
        // A wrong CSV path is a typo to fix now, not a failed job to discover later.
        if (args.csv && !existsSync(args.csv)) throw validation(`The label file ${args.csv} does not exist; check the CSV path.`);
        const jobId = startImport(args);
        // The import's labels are one undo step of the window that started it.
        if (args.session !== undefined) claimBatch(ctx.project().db, importBatchId(jobId), args.session);
        return { jobId };
      },
    },
    'demo.create': {
      schema: z.object({ dir: nonEmpty('dir').optional(), images: z.number().int().min(10).max(5000).optional(), seed: z.number().int().optional() }).strict(),
      run: async ({ dir, images, seed }) => {
        const where = dir !== undefined ? absolutePath(dir) : join(ctx.homeDir, 'samples', `sample-${new Date().toISOString().replace(/[:.]/g, '-')}`);
        const staging = mkdtempSync(join(tmpdir(), 'labeltune-demo-'));
        let dataset;
        try {
          // Generated before the project exists: a generator that fails leaves no empty project behind.
          dataset = generateDemoImages(staging, { images, seed });
        } catch (e) {
          rmSync(staging, { recursive: true, force: true });
          throw e;
        }
        const project = Project.create(where, 'Sample chest X-rays');
        await ctx.setProject(project);
        // Copied into the project, so the generated folder goes once the import has ended.
        const jobId = startImport({ paths: [], csv: dataset.csv, copy: true }, () => rmSync(staging, { recursive: true, force: true }));
        return { jobId, project: project.info() };
      },
    },
    'import.inspectCsv': {
      schema: z.object({ csv: nonEmpty('csv') }).strict(),
      run: ({ csv }) => inspectLabelCsv(csv),
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
