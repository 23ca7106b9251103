import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExportArgs } from '../../../shared/contract/exports.ts';
import type { InferenceImage } from '../../../shared/contract/model-host.ts';
import type { ExportInfo } from '../../../shared/domain/export.ts';
import type { Database } from '../db/database.ts';
import { now } from '../db/database.ts';
import { onHost } from '../host/host-job.ts';
import type { JobContext } from '../jobs/job-manager.ts';
import { absolutePath } from '../projects/paths.ts';
import type { Project } from '../projects/project.ts';
import { checkpointFile } from '../runs/checkpoint-file.ts';
import { runDetail } from '../runs/store.ts';
import { type ExportFolder, openExportFolder } from './export-folder.ts';
import { dataSummary, modelCard } from './model-card.ts';
import { modelCardMarkdown } from './model-card-markdown.ts';
import { versions } from './versions.ts';

/** Images parity is checked on. */
const PARITY_IMAGES = 8;

function outputFolder(project: Project, args: ExportArgs): ExportFolder {
  return openExportFolder(args.outDir ? absolutePath(args.outDir) : join(project.folder('exports'), `run-${args.runId}-${args.format}`));
}

/**
 * Images the model did not train on, test split first, then validation; twice as many as parity
 * needs, since some may no longer decode.
 */
function heldOutCandidates(db: Database, limit: number): InferenceImage[] {
  return db
    .prepare(
      `SELECT i.id, i.path, i.frame FROM images i JOIN splits s ON s.image_id = i.id
       WHERE i.excluded = 0 AND s.split IN ('test', 'val')
       ORDER BY CASE s.split WHEN 'test' THEN 0 ELSE 1 END, i.id LIMIT ?`,
    )
    .all(limit * 2) as InferenceImage[];
}

/**
 * Export a run: a model host writes the format's files and checks parity on held-out images; the
 * engine writes preprocessing.json and the model card (Markdown + JSON) and records the export.
 */
export async function runExport(project: Project, args: ExportArgs, job: JobContext): Promise<ExportInfo> {
  const run = runDetail(project.db, args.runId, null);
  const file = checkpointFile(project.db, project.dir, args.runId, args.checkpoint ?? 'best');
  const folder = outputFolder(project, args);
  const dir = folder.partial; // renamed to folder.dir once everything is written
  try {
    job.progress(0, 5, 'Loading the model');
    const meta = { labeltune_run: String(run.id), classes: JSON.stringify(run.config.classes) };
    const model = { runId: run.id, config: run.config, checkpoint: file };
    const heldOut = heldOutCandidates(project.db, PARITY_IMAGES);
    const written = await onHost('export', { model, format: args.format, dir, meta, heldOut, heldOutLimit: PARITY_IMAGES }, { job, what: 'export' });
    const { parity } = written;
    job.progress(3, 5, 'Writing the model card');
    const layout = args.format === 'onnx' ? { layout: 'NCHW', note: 'transpose the NHWC output of the steps to NCHW' } : { layout: 'NHWC' };
    const preprocessing = { ...written.preprocessing, classes: run.config.classes, multiLabel: run.config.multiLabel, modelInput: layout };
    const card = modelCard(run, {
      format: args.format,
      files: [...written.files, 'preprocessing.json', 'model-card.md', 'model-card.json'],
      data: dataSummary(project.db, run.config.classes),
      parity,
      evaluation: latestEvaluation(project, run.id),
      loading: written.loading,
      versions: { ...versions(), backend: written.backend },
    });
    await writeFile(join(dir, 'preprocessing.json'), JSON.stringify(preprocessing, null, 2));
    await writeFile(join(dir, 'model-card.json'), JSON.stringify(card, null, 2));
    await writeFile(join(dir, 'model-card.md'), modelCardMarkdown(card));
    job.progress(4, 5, 'Recording the export');
    folder.commit();
    const createdAt = now();
    const id = Number(
      project.db
        .prepare('INSERT INTO exports (run_id, format, path, parity, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(run.id, args.format, folder.dir, JSON.stringify({ check: parity, files: card.files }), createdAt).lastInsertRowid,
    );
    job.progress(5, 5, parity && !parity.ok ? 'Exported, but parity is above tolerance: flagged' : 'Exported');
    return { id, runId: run.id, format: args.format, path: folder.dir, files: card.files, parity, createdAt };
  } catch (e) {
    folder.discard();
    throw e;
  }
}

/** The newest stored evaluation of the run, when the evaluation feature has written one. */
export function latestEvaluation(project: Project, runId: number): unknown {
  const has = project.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'evaluations'").get();
  if (!has) return null;
  const row = project.db.prepare('SELECT * FROM evaluations WHERE run_id = ? ORDER BY created_at DESC LIMIT 1').get(runId) as { metrics?: string } | undefined;
  return row?.metrics ? JSON.parse(row.metrics) : null;
}
