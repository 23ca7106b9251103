import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExportArgs } from '../../../shared/contract/exports.ts';
import type { ExportInfo } from '../../../shared/domain/export.ts';
import { selectBackend } from '../../training/backends/ladder.ts';
import { adapterWeights } from '../../training/export/adapters.ts';
import { describePreprocessing } from '../../training/preprocess/preprocess.ts';
import { preprocessFor } from '../../training/trainer/model.ts';
import { loadTrainedModel } from '../../training/trainer/trained-model.ts';
import { now } from '../db/database.ts';
import type { JobContext } from '../jobs/job-manager.ts';
import { absolutePath } from '../projects/paths.ts';
import type { Project } from '../projects/project.ts';
import { checkpointFile } from '../runs/checkpoint-file.ts';
import { runDetail } from '../runs/store.ts';
import { type ExportFolder, openExportFolder } from './export-folder.ts';
import { WRITERS, parityCheck } from './formats.ts';
import { heldOutImages } from './held-out.ts';
import { dataSummary, modelCard, modelCardMarkdown } from './model-card.ts';
import { versions } from './versions.ts';

function outputFolder(project: Project, args: ExportArgs): ExportFolder {
  return openExportFolder(args.outDir ? absolutePath(args.outDir) : join(project.folder('exports'), `run-${args.runId}-${args.format}`));
}

/**
 * Export a run: load its checkpoint (LoRA merged; adapters written as ops), write the format's files, preprocessing.json and
 * the model card (Markdown + JSON), check parity on held-out images, record the export.
 */
export async function runExport(project: Project, args: ExportArgs, job: JobContext): Promise<ExportInfo> {
  const run = runDetail(project.db, args.runId, null);
  const file = checkpointFile(project.db, project.dir, args.runId, args.checkpoint ?? 'best');
  const folder = outputFolder(project, args);
  const dir = folder.partial; // renamed to folder.dir once everything is written
  let trained: Awaited<ReturnType<typeof loadTrainedModel>> | undefined;
  try {
    job.progress(0, 5, 'Loading the model');
    const backend = await selectBackend({ prefer: (run.config.backend ?? undefined) as never, log: () => {} });
    trained = await loadTrainedModel(file, run.config);
    const model = trained.backbone;
    const pre = preprocessFor(run.config);
    const meta = { labeltune_run: String(run.id), classes: JSON.stringify(run.config.classes) };
    job.throwIfCancelled();
    job.progress(1, 5, `Writing ${args.format}`);
    const adapters = trained.adapters ? adapterWeights(trained.adapters) : undefined;
    const written = await WRITERS[args.format](model, dir, meta, adapters);
    job.progress(2, 5, 'Checking parity on held-out images');
    const held = await heldOutImages(project.db, pre);
    const parity = await parityCheck(model, held, written, trained.forwardOptions);
    job.progress(3, 5, 'Writing the model card');
    const layout = args.format === 'onnx' ? { layout: 'NCHW', note: 'transpose the NHWC output of the steps to NCHW' } : { layout: 'NHWC' };
    const preprocessing = { ...describePreprocessing(pre), classes: run.config.classes, multiLabel: run.config.multiLabel, modelInput: layout };
    const card = modelCard(run, {
      format: args.format,
      files: [...written.files, 'preprocessing.json', 'model-card.md', 'model-card.json'],
      data: dataSummary(project.db, run.config.classes),
      parity,
      evaluation: latestEvaluation(project, run.id),
      loading: written.loading,
      versions: { ...versions(), backend: backend.backend },
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
  } finally {
    trained?.backbone.dispose();
    trained?.adapters?.dispose();
  }
}

/** The newest stored evaluation of the run, when the evaluation feature has written one. */
function latestEvaluation(project: Project, runId: number): unknown {
  const has = project.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'evaluations'").get();
  if (!has) return null;
  const row = project.db.prepare('SELECT * FROM evaluations WHERE run_id = ? ORDER BY created_at DESC LIMIT 1').get(runId) as { metrics?: string } | undefined;
  return row?.metrics ? JSON.parse(row.metrics) : null;
}
