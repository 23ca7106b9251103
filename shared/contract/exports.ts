import type { JobRef } from '../domain/job.ts';
import type { ExportFormat, ExportInfo } from '../domain/export.ts';

export interface ExportArgs {
  runId: number;
  format: ExportFormat;
  /** Destination folder; defaults to <project>/exports/run-<id>-<format>. Must be empty or new. */
  outDir?: string;
  /** Which checkpoint to export (default: the best by validation loss). */
  checkpoint?: 'best' | 'last';
}

export interface ExportHandlers {
  /** Export a run's model as a job: model files, preprocessing.json, model card, parity check. The job's result is an ExportInfo. */
  'exports.start': (a: ExportArgs) => Promise<JobRef>;
  /** Exports of the project (optionally of one run), newest first. */
  'exports.list': (a: { runId?: number }) => Promise<ExportInfo[]>;
}
