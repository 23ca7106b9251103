import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import type { ImportIssue, ImportReport, StartImportArgs } from '../../../../shared/contract/datasets.ts';
import { cancelled } from '../../../../shared/contract/errors.ts';
import type { JobContext } from '../../jobs/job-manager.ts';
import { NEAR_THRESHOLD } from '../../images/near-duplicates.ts';
import type { Project } from '../../projects/project.ts';
import { type CsvColumns, readLabelCsv } from './csv.ts';
import { enumerateSources } from './enumerate.ts';
import { NearDuplicateIndex } from './near-index.ts';
import { OrderedBatches } from './ordered-batches.ts';
import type { DecodeTask } from './decode-task.ts';
import { PreparePool } from './prepare-pool.ts';
import { type Prepared, prepareEnv, prepareFile } from './prepare.ts';
import { type FileLabels, ImportWriter } from './writer.ts';

export interface ImportTuning {
  /** Files being prepared at once (default: one more than the pool decodes at once). */
  concurrency?: number;
  /**
   * Worker threads that decode, hash and thumbnail next to the engine's thread (default: one per
   * core but one, for imports of at least MIN_FILES_FOR_WORKERS files). 0: the engine's thread only.
   */
  workers?: number;
  /** Files decoded on the engine's own thread at once, next to the workers. */
  localDecodes?: number;
  /** Files per database transaction: a crash loses at most one batch. */
  batchSize?: number;
  /** Perceptual-hash distance at or below which two images are reported as near-duplicates. */
  nearThreshold?: number;
  maxPixels?: number;
}

/** Below this many files, starting worker threads (0.3-0.8 s of CPU each) costs more than it saves. */
export const MIN_FILES_FOR_WORKERS = 64;

/** The same threshold as the image queries' near-duplicate filter, so both name the same pairs. */
export const NEAR_DUPLICATE_THRESHOLD = NEAR_THRESHOLD;

/** The label batch of an import job: the whole import is one undo step. */
export const importBatchId = (jobId: string): string => `import:${jobId}`;

/** What the files, folders and CSV of an import amount to before any pixel is read. */
interface ImportPlan {
  files: string[];
  labels: Map<string, FileLabels>;
  /** CSV rows whose file is gone from disk but already in the project: labels only. */
  labelOnly: string[];
  issues: ImportIssue[];
  /** The CSV has a split column: the report says what it did to the splits. */
  splitColumn: boolean;
}

export function emptyReport(nearThreshold: number): ImportReport {
  return {
    files: 0,
    imported: 0,
    skipped: 0,
    duplicates: { exact: [], near: [], nearTotal: 0, nearThreshold },
    labels: { main: {}, aux: {}, classesCreated: [] },
    issues: [],
    cancelled: false,
    elapsedMs: 0,
  };
}

/**
 * The import job: plan, then prepare files concurrently (read, hash, decode, thumbnail) and write
 * them in batched transactions. `report` is filled in place so a caller can show it while running
 * and keep it after a cancel.
 */
export async function runImport(
  project: Project,
  args: StartImportArgs,
  job: JobContext,
  report: ImportReport,
  tuning: ImportTuning = {},
): Promise<ImportReport> {
  const started = Date.now();
  const { batchSize = 200, maxPixels } = tuning;
  const near = loadNearIndex(project, report.duplicates.nearThreshold);
  const plan = planImport(project, args);
  report.files = plan.files.length + plan.labelOnly.length;
  const writer = new ImportWriter(project.db, project.thumbnails, report, near, (p) => plan.labels.get(p), importBatchId(job.jobId));
  writer.commit(plan.issues.map((issue) => ({ kind: 'issue', sourcePath: issue.path, issue })));
  writer.commit(plan.labelOnly.map((p) => ({ kind: 'skipped', sourcePath: p, imageIds: writer.idsAtPath(p) })));
  const env = prepareEnv(project, { copy: args.copy === true, maxPixels });
  const batches = new OrderedBatches<Prepared>(batchSize, (batch) => {
    writer.commit(batch);
    report.labels = { main: { ...writer.applied.main }, aux: { ...writer.applied.aux }, classesCreated: [...writer.classesCreated] };
  });
  let done = 0;
  job.progress(0, plan.files.length, 'Looking at files');
  const pool = startPool(plan.files.length, tuning);
  // One file waiting for each decoder that frees up, so that none of them idles between files.
  const concurrency = tuning.concurrency ?? pool.capacity + 1;
  try {
    const decode = (task: DecodeTask) => pool.run(task);
    await forEachConcurrently(plan.files, concurrency, job.signal, async (path, index) => {
      batches.add(index, await prepareFile(path, env, decode));
      job.progress(++done, plan.files.length, path);
    });
  } finally {
    await pool.close();
  }
  batches.flush();
  if (plan.splitColumn && args.csv) report.splits = writer.finishSplits(basename(args.csv));
  report.elapsedMs = Date.now() - started;
  if (job.signal.aborted) {
    report.cancelled = true;
    throw cancelled(`Import cancelled after ${done} of ${plan.files.length} files; the ${report.imported} images imported so far stay in the project.`);
  }
  // The job's last word (job tray, the toast when it ends): what the import came to, not the last file's path.
  job.progress(plan.files.length, plan.files.length, importSummary(report));
  return report;
}

/** "12 images imported, 3 already in the project, 1 exact duplicate, 2 files with issues, listed in the import report". */
export function importSummary(report: ImportReport): string {
  const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  const parts = [count(report.imported, 'image imported', 'images imported')];
  if (report.skipped > 0) parts.push(`${report.skipped} already in the project`);
  if (report.duplicates.exact.length > 0) parts.push(count(report.duplicates.exact.length, 'exact duplicate', 'exact duplicates'));
  if (report.duplicates.nearTotal > 0) parts.push(count(report.duplicates.nearTotal, 'near-duplicate pair', 'near-duplicate pairs'));
  if (report.issues.length > 0) parts.push(`${count(report.issues.length, 'file', 'files')} with issues, listed in the import report`);
  return parts.join(', ');
}

/** On n cores: n - 1 workers next to the engine's thread, for imports big enough to repay their start. */
function startPool(files: number, tuning: ImportTuning): PreparePool {
  const workers = tuning.workers ?? (files >= MIN_FILES_FOR_WORKERS ? availableParallelism() - 1 : 0);
  return new PreparePool({ workers: Math.min(workers, files), local: tuning.localDecodes ?? 2 });
}

/** Runs `fn` over items with at most `limit` in flight; stops taking new items once `signal` aborts. */
async function forEachConcurrently<T>(items: T[], limit: number, signal: AbortSignal, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal.aborted) {
      const index = next++;
      await fn(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

function loadNearIndex(project: Project, threshold: number): NearDuplicateIndex {
  const index = new NearDuplicateIndex(threshold);
  const rows = project.db.prepare('SELECT id, phash FROM images WHERE length(phash) = 16 AND duplicate_of IS NULL').raw().iterate() as Iterable<[number, string]>;
  for (const [id, phash] of rows) index.add(id, phash);
  return index;
}

function planImport(project: Project, args: StartImportArgs): ImportPlan {
  const { files, issues } = enumerateSources(args.paths, { classFolders: args.classFolders === true, excludeDir: project.dir });
  const labels = new Map<string, FileLabels>();
  for (const f of files) if (f.classFolder) labels.set(f.path, { main: f.classFolder });
  const plan: ImportPlan = { files: files.map((f) => f.path), labels, labelOnly: [], issues, splitColumn: false };
  if (args.csv) addCsv(project, args.csv, plan, args.csvColumns);
  return plan;
}

/** CSV rows add their labels and group, and their files when the given paths did not include them. */
function addCsv(project: Project, csvFile: string, plan: ImportPlan, columns?: CsvColumns): void {
  const csv = readLabelCsv(csvFile, columns);
  plan.issues.push(...csv.issues);
  plan.splitColumn = csv.splitColumn;
  const listed = new Set(plan.files);
  const known = project.db.prepare('SELECT 1 FROM images WHERE path = ? LIMIT 1').pluck();
  for (const row of csv.rows) {
    const entry: FileLabels = { ...plan.labels.get(row.path) };
    if (row.label) entry.main = row.label;
    if (row.auxLabel) entry.aux = row.auxLabel;
    if (row.group) entry.group = row.group;
    if (row.exclusion) entry.exclusion = row.exclusion;
    if (row.split) entry.split = row.split;
    plan.labels.set(row.path, entry);
    if (listed.has(row.path)) continue;
    listed.add(row.path);
    if (existsSync(row.path)) plan.files.push(row.path);
    else if (known.get(row.path)) plan.labelOnly.push(row.path);
    else plan.issues.push({ path: row.path, code: 'not-found', message: `${csvFile} line ${row.line} names ${row.path}, which does not exist; fix the path in the CSV.` });
  }
}
