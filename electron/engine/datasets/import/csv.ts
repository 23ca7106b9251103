import { readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import type { ImportIssue } from '../../../../shared/contract/datasets.ts';
import { validation } from '../../../../shared/contract/errors.ts';

/** One data row of a label CSV, with its path resolved. */
export interface CsvLabelRow {
  /** 1-based line number in the file, for messages. */
  line: number;
  path: string;
  label: string | null;
  group: string | null;
  auxLabel: string | null;
}

export interface LabelCsv {
  rows: CsvLabelRow[];
  issues: ImportIssue[];
}

/** Header names we accept for each column (case and spaces ignored). */
const COLUMNS = {
  path: ['path', 'file', 'filename', 'file_name', 'image', 'image_path'],
  label: ['label', 'class', 'class_name', 'category'],
  group: ['group', 'group_id', 'patient', 'patient_id', 'patientid', 'lot'],
  auxLabel: ['aux_label', 'aux', 'auxiliary_label'],
} as const;

/** Split CSV text into records: quoted fields, doubled quotes, CRLF and a UTF-8 BOM are handled. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') record.push(field), (field = '');
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      record.push(field), records.push(record), (record = []), (field = '');
    } else field += c;
  }
  if (field !== '' || record.length > 0) record.push(field), records.push(record);
  return records.filter((r) => r.some((f) => f.trim() !== ''));
}

/**
 * Read a label CSV. The header decides which column is which; relative paths resolve against the
 * CSV's own folder so that a dataset folder can be moved with its CSV.
 */
export function readLabelCsv(file: string, columns: CsvColumns = {}): LabelCsv {
  const csvPath = resolve(file);
  let text: string;
  try {
    text = readFileSync(csvPath, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : 'cannot be read';
    throw validation(`The label file ${csvPath} ${why}; check the --csv path.`);
  }
  const [header, ...records] = parseCsv(text);
  const col = headerColumns(header ?? [], csvPath, columns);
  const base = dirname(csvPath);
  const rows: CsvLabelRow[] = [];
  const issues: ImportIssue[] = [];
  records.forEach((r, i) => {
    const line = i + 2;
    const cell = (k: number | undefined) => (k === undefined ? '' : (r[k] ?? '').trim());
    const rawPath = cell(col.path);
    if (!rawPath) {
      issues.push({ path: `${basename(csvPath)}:${line}`, code: 'label', message: `${basename(csvPath)} line ${line} has no path; the row was ignored.` });
      return;
    }
    const path = isAbsolute(rawPath) ? resolve(rawPath) : resolve(base, rawPath);
    const label = cell(col.label) || null;
    if (col.label !== undefined && label === null) {
      issues.push({ path, code: 'label', message: `${basename(csvPath)} line ${line} gives no label for ${basename(path)}; it is imported unlabelled.` });
    }
    rows.push({ line, path, label, group: cell(col.group) || null, auxLabel: cell(col.auxLabel) || null });
  });
  return { rows, issues };
}

/** Header names the user picked for each role; roles left out are found by their usual names. */
export type CsvColumns = Partial<Record<keyof typeof COLUMNS, string>>;

const normalise = (h: string) => h.trim().toLowerCase().replace(/[\s-]+/g, '_');

function headerColumns(header: string[], csvPath: string, chosen: CsvColumns): Partial<Record<keyof typeof COLUMNS, number>> {
  const norm = header.map(normalise);
  const find = (role: keyof typeof COLUMNS) => {
    const name = chosen[role];
    if (name !== undefined) {
      const k = norm.indexOf(normalise(name));
      if (k < 0) throw validation(`${basename(csvPath)} has no column "${name}"; its columns are ${header.map((h) => `"${h}"`).join(', ')}.`);
      return k;
    }
    const k = norm.findIndex((h) => (COLUMNS[role] as readonly string[]).includes(h));
    return k < 0 ? undefined : k;
  };
  const col = { path: find('path'), label: find('label'), group: find('group'), auxLabel: find('auxLabel') };
  if (col.path === undefined) {
    throw validation(
      `${csvPath} needs a header row with a "path" column (and "label", optionally "group" and "aux_label"), ` +
        `or choose which column holds the paths; its first row is "${header.join(',')}".`,
    );
  }
  return col;
}

/** The header of a label CSV, the columns found for each role, and its first rows: what the UI's column mapping shows. */
export function inspectLabelCsv(file: string, previewRows = 5): { columns: string[]; detected: CsvColumns; preview: string[][] } {
  const csvPath = resolve(file);
  let text: string;
  try {
    text = readFileSync(csvPath, 'utf8');
  } catch {
    throw validation(`The label file ${csvPath} cannot be read; check the CSV path.`);
  }
  const [header = [], ...records] = parseCsv(text);
  const norm = header.map(normalise);
  const detected: CsvColumns = {};
  for (const role of Object.keys(COLUMNS) as (keyof typeof COLUMNS)[]) {
    const k = norm.findIndex((h) => (COLUMNS[role] as readonly string[]).includes(h));
    if (k >= 0) detected[role] = header[k];
  }
  return { columns: header, detected, preview: records.slice(0, previewRows) };
}
