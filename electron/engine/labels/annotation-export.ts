import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import type { AnnotationExport, ExportAnnotationsArgs } from '../../../shared/contract/labels.ts';
import { validation } from '../../../shared/contract/errors.ts';
import type { Project } from '../projects/project.ts';
import { annotationsText } from './annotations.ts';

const EXTENSION = { csv: 'csv', json: 'json', coco: 'coco.json' } as const;

/** The export as text for the UI to save, or written to `outFile` (via a temporary file, so a crash leaves no half file). */
export function exportAnnotations(project: Project, { format, outFile }: ExportAnnotationsArgs): AnnotationExport {
  const { text, images } = annotationsText(project.db, project.name, format);
  const fileName = `${slug(project.name)}-labels.${EXTENSION[format]}`;
  if (outFile === undefined) return { format, images, fileName, text };
  if (!isAbsolute(outFile)) throw validation(`The export path ${outFile} is relative; give an absolute path.`);
  const path = resolve(outFile);
  if (!existsSync(dirname(path))) throw validation(`Cannot write ${basename(path)}: the folder ${dirname(path)} does not exist; create it or choose another.`);
  const partial = `${path}.partial`;
  writeFileSync(partial, text);
  renameSync(partial, path);
  return { format, images, fileName, path };
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'project';
}
