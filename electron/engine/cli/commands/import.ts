import type { CsvColumnMapping, ImportReport, ImportedSplits } from '../../../../shared/contract/datasets.ts';
import { EngineError } from '../../../../shared/contract/errors.ts';
import type { Command } from '../command.ts';
import { UsageError, shellPath } from '../command.ts';
import { reportProgress } from '../progress.ts';

export const importCommand: Command = {
  name: 'import',
  usage: 'import <project> <paths...> [--csv FILE [--csv-columns path=COL,label=COL,group=COL,aux=COL,split=COL]] [--class-folders] [--copy]',
  summary: 'Import image files and folders (PNG, JPEG, TIFF, BMP, WebP, DICOM), with labels from class folders or a CSV.',
  options: { csv: { type: 'string' }, 'csv-columns': { type: 'string' }, 'class-folders': { type: 'boolean' }, copy: { type: 'boolean' } },
  minPositionals: 1,
  async run({ positionals, values, client, json, out }) {
    const [dir, ...paths] = positionals;
    const csv = values.csv as string | undefined;
    if (paths.length === 0 && !csv) throw new UsageError('give at least one file or folder to import, or --csv');
    const csvColumns = parseCsvColumns(values['csv-columns']);
    if (csvColumns && !csv) throw new UsageError('--csv-columns needs --csv');
    await client.invoke('project.open', { dir: shellPath(dir) });
    const { jobId } = await client.invoke('import.start', {
      paths,
      csv,
      ...(csvColumns ? { csvColumns } : {}),
      classFolders: values['class-folders'] === true,
      copy: values.copy === true,
    });
    const stop = reportProgress(client, jobId);
    const job = await client.invoke('job.wait', { jobId }).finally(stop);
    if (job.status !== 'completed') throw new EngineError('internal', `Import ${job.status}: ${job.error?.message ?? ''}`);
    const report = await client.invoke('import.report', { jobId });
    if (!json) out(formatImportReport(report));
    return report;
  },
};

const ROLE_NAMES: Record<string, keyof CsvColumnMapping> = { path: 'path', label: 'label', group: 'group', aux: 'auxLabel', aux_label: 'auxLabel', split: 'split' };

/** `path=Scan,label=Finding` -> { path: 'Scan', label: 'Finding' }. */
export function parseCsvColumns(raw: unknown): CsvColumnMapping | undefined {
  if (raw === undefined) return undefined;
  const mapping: CsvColumnMapping = {};
  for (const part of String(raw).split(',')) {
    const [role, column] = part.split('=').map((x) => x?.trim());
    const key = ROLE_NAMES[role ?? ''];
    if (!key || !column) throw new UsageError(`--csv-columns expects role=column pairs (roles: path, label, group, aux, split), got "${part}"`);
    mapping[key] = column;
  }
  return mapping;
}

/** The human summary: counts first, then every problem with its file, so none is missed. */
export function formatImportReport(r: ImportReport): string {
  const lines = [
    `Files      ${r.files}`,
    `Imported   ${r.imported} image(s) (${r.duplicates.exact.length} exact duplicate(s))`,
    `Skipped    ${r.skipped} already in the project`,
    `Near dups  ${r.duplicates.nearTotal} pair(s) within ${r.duplicates.nearThreshold} bits`,
    `Problems   ${r.issues.length}`,
    `Time       ${elapsed(r)}`,
  ];
  const labels = Object.entries(r.labels.main).map(([c, n]) => `${c} ${n}`);
  if (labels.length > 0) lines.push(`Labels     ${labels.join(', ')}`);
  if (r.labels.classesCreated.length > 0) lines.push(`New classes ${r.labels.classesCreated.join(', ')}`);
  if (r.splits) lines.push(...splitLines(r.splits));
  for (const d of r.duplicates.exact) lines.push(`  duplicate  ${d.path} = image ${d.duplicateOf.imageId} (${d.duplicateOf.path})`);
  for (const i of r.issues) lines.push(`  ${i.code.padEnd(12)} ${i.message}`);
  return lines.join('\n');
}

/** What the CSV's split column did: applied as a fixed split; locked test images and leaking groups named. */
export function splitLines(s: ImportedSplits): string[] {
  const lines = [`Splits     ${s.applied} image(s) as the CSV says (${s.moved} moved from another split)`];
  if (s.keptLocked.length > 0) {
    lines.push(`  locked     image(s) ${s.keptLocked.join(', ')} stayed in the locked test set; unlock it in the Splits view to move them`);
  }
  for (const g of s.leakingGroups) {
    lines.push(`  leak       group ${g.groupId} is in several splits (train ${g.counts.train}, val ${g.counts.val}, test ${g.counts.test}); fix the CSV or re-split`);
  }
  return lines;
}

/** "3.1 s, 129 files/s": the rate over every file looked at (skipped ones are cheap, and count). */
function elapsed(r: ImportReport): string {
  const seconds = r.elapsedMs / 1000;
  const time = seconds < 60 ? `${seconds.toFixed(1)} s` : `${Math.floor(seconds / 60)} min ${String(Math.round(seconds % 60)).padStart(2, '0')} s`;
  return seconds > 0 && r.files > 0 ? `${time}, ${(r.files / seconds).toFixed(0)} files/s` : time;
}
