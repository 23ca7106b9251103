import type { ImportReport } from '../../../../shared/contract/datasets.ts';
import { EngineError } from '../../../../shared/contract/errors.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../command.ts';
import { reportProgress } from '../progress.ts';

export const importCommand: Command = {
  name: 'import',
  usage: 'import <project> <paths...> [--csv FILE] [--class-folders] [--copy]',
  summary: 'Import image files and folders (PNG, JPEG, TIFF, BMP, WebP, DICOM), with labels from class folders or a CSV.',
  options: { csv: { type: 'string' }, 'class-folders': { type: 'boolean' }, copy: { type: 'boolean' } },
  minPositionals: 1,
  async run({ positionals, values, client, json, out }) {
    const [dir, ...paths] = positionals;
    const csv = values.csv as string | undefined;
    if (paths.length === 0 && !csv) throw new UsageError('give at least one file or folder to import, or --csv');
    await client.invoke('project.open', { dir });
    const { jobId } = await client.invoke('import.start', {
      paths,
      csv,
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

/** The human summary: counts first, then every problem with its file, so none is missed. */
export function formatImportReport(r: ImportReport): string {
  const lines = [
    `Files      ${r.files}`,
    `Imported   ${r.imported} image(s) (${r.duplicates.exact.length} exact duplicate(s))`,
    `Skipped    ${r.skipped} already in the project`,
    `Near dups  ${r.duplicates.nearTotal} pair(s) within ${r.duplicates.nearThreshold} bits`,
    `Problems   ${r.issues.length}`,
  ];
  const labels = Object.entries(r.labels.main).map(([c, n]) => `${c} ${n}`);
  if (labels.length > 0) lines.push(`Labels     ${labels.join(', ')}`);
  if (r.labels.classesCreated.length > 0) lines.push(`New classes ${r.labels.classesCreated.join(', ')}`);
  for (const d of r.duplicates.exact) lines.push(`  duplicate  ${d.path} = image ${d.duplicateOf.imageId} (${d.duplicateOf.path})`);
  for (const i of r.issues) lines.push(`  ${i.code.padEnd(12)} ${i.message}`);
  return lines.join('\n');
}
