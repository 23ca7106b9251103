import { readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import type { ImportIssue } from '../../../../shared/contract/datasets.ts';
import { validation } from '../../../../shared/contract/errors.ts';
import type { SplitName } from '../../../../shared/domain/splits.ts';
import { NAME_MAX } from '../../handler.ts';
import { splitOfCell } from '../../splits/fixed.ts';
import { type CsvDelimiter, type CsvRecord, type CsvRejectedRow, decodeCsv, parseCsv } from './csv-text.ts';

/** One data row of a label CSV, with its path resolved. */
export interface CsvLabelRow {
  /** 1-based line number in the file, for messages. */
  line: number;
  path: string;
  label: string | null;
  group: string | null;
  auxLabel: string | null;
  /** Absent when the CSV has no "excluded" column: the image's exclusion is left as it is. */
  exclusion?: { excluded: boolean; reason: string | null };
  /** Absent when the row names no split (no column, an empty cell): the image's split is left as it is. */
  split?: SplitName;
}

export interface LabelCsv {
  rows: CsvLabelRow[];
  issues: ImportIssue[];
  /** The file has a split column (its rows may still leave some cells empty). */
  splitColumn: boolean;
}

/** Header names we accept for each column (case and spaces ignored). */
const COLUMNS = {
  path: ['path', 'file', 'filename', 'file_name', 'image', 'image_path'],
  label: ['label', 'class', 'class_name', 'category'],
  group: ['group', 'group_id', 'patient', 'patient_id', 'patientid', 'lot'],
  auxLabel: ['aux_label', 'aux', 'auxiliary_label'],
  excluded: ['excluded'],
  excludeReason: ['exclude_reason', 'exclusion_reason'],
  split: ['split', 'subset', 'partition'],
} as const;

/** Cells of an "excluded" column that mean yes (case ignored); anything else, an empty cell included, means no. */
const YES = new Set(['true', 'yes', '1', 'x']);

/**
 * Read a label CSV. The header decides which column is which; relative paths resolve against the
 * CSV's own folder so that a dataset folder can be moved with its CSV. Every row that is not used
 * as written (broken quoting, shifted columns, no path, a name too long, rows that contradict each
 * other) is listed in the issues with its line number: no row is lost without a word.
 */
export function readLabelCsv(file: string, columns: CsvColumns = {}): LabelCsv {
  const csvPath = resolve(file);
  const name = basename(csvPath);
  const { header, records, rejected, delimiter } = readCsvFile(csvPath, 'check the --csv path');
  const col = headerColumns(header, csvPath, columns);
  const base = dirname(csvPath);
  const rows: CsvLabelRow[] = [];
  const found: { line: number; issue: ImportIssue }[] = rejected.map((r) => ({ line: r.line, issue: rowIssue(name, r.line, r.reason) }));
  for (const { line, fields } of records) {
    const cell = (k: number | undefined) => (k === undefined ? '' : (fields[k] ?? '').trim());
    const why = rowProblem(fields, header.length, { label: cell(col.label), group: cell(col.group), auxLabel: cell(col.auxLabel) }, delimiter);
    if (why) {
      found.push({ line, issue: rowIssue(name, line, why) });
      continue;
    }
    const rawPath = cell(col.path);
    if (!rawPath) {
      found.push({ line, issue: { path: `${name}:${line}`, code: 'label', message: `${name} line ${line} has no path; the row was ignored.` } });
      continue;
    }
    const path = isAbsolute(rawPath) ? resolve(rawPath) : resolve(base, rawPath);
    const label = cell(col.label) || null;
    if (col.label !== undefined && label === null) {
      found.push({ line, issue: { path, code: 'label', message: `${name} line ${line} gives no label for ${basename(path)}; it is imported unlabelled.` } });
    }
    const exclusion = col.excluded === undefined ? {} : { exclusion: { excluded: YES.has(cell(col.excluded).toLowerCase()), reason: cell(col.excludeReason) || null } };
    const split = splitOfCell(cell(col.split));
    if (split === undefined) {
      const message = `${name} line ${line} puts ${basename(path)} in split "${cell(col.split)}", which is none of train, val and test; its split was left as it is.`;
      found.push({ line, issue: { path, code: 'label', message } });
    }
    rows.push({ line, path, label, group: cell(col.group) || null, auxLabel: cell(col.auxLabel) || null, ...exclusion, ...(split ? { split } : {}) });
  }
  const merged = mergeDuplicates(rows, name);
  found.push(...merged.issues);
  found.sort((a, b) => a.line - b.line);
  return { rows: merged.rows, issues: found.map((f) => f.issue), splitColumn: col.split !== undefined };
}

function rowIssue(csvName: string, line: number, reason: string): ImportIssue {
  return { path: `${csvName}:${line}`, code: 'label', message: `${csvName} line ${line}: ${reason}; the row was not imported.` };
}

const ROLE_NAMES = { label: 'label', group: 'group', auxLabel: 'aux label' } as const;
type NamedRole = keyof typeof ROLE_NAMES;

/** Why a parsed row cannot be used as it is, or null. */
const DELIMITER_NAMES: Record<CsvDelimiter, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab' };

function rowProblem(fields: string[], headerLength: number, names: Record<NamedRole, string>, delimiter: CsvDelimiter): string | null {
  if (fields.length > headerLength) {
    const what = DELIMITER_NAMES[delimiter];
    return `it has ${fields.length} fields but the header has ${headerLength} (a ${what} inside an unquoted field shifts the columns; put that field in quotes)`;
  }
  for (const role of Object.keys(ROLE_NAMES) as NamedRole[]) {
    if (names[role].length > NAME_MAX) return `its ${ROLE_NAMES[role]} is ${names[role].length} characters long; names are at most ${NAME_MAX}`;
  }
  return null;
}

/**
 * Several rows for one file are one row when they agree. Where they give different values for a
 * label, group or aux label, none is applied (guessing which row is right would hide the mistake),
 * and the issue names every line involved.
 */
function mergeDuplicates(rows: CsvLabelRow[], csvName: string): { rows: CsvLabelRow[]; issues: { line: number; issue: ImportIssue }[] } {
  const byPath = new Map<string, CsvLabelRow[]>();
  for (const r of rows) {
    const same = byPath.get(r.path);
    if (same) same.push(r);
    else byPath.set(r.path, [r]);
  }
  const merged: CsvLabelRow[] = [];
  const issues: { line: number; issue: ImportIssue }[] = [];
  for (const [path, same] of byPath) {
    const row = { ...same[0] };
    const splits = [...new Set(same.map((r) => r.split).filter((v) => v !== undefined))];
    if (splits.length > 1) {
      delete row.split;
      const lines = same.filter((r) => r.split !== undefined).map((r) => r.line);
      const message = `${csvName} lines ${lines.join(', ')} put ${basename(path)} in different splits (${splits.join(', ')}); its split was left as it is. Keep one row per image.`;
      issues.push({ line: lines[0], issue: { path, code: 'label', message } });
    } else if (splits.length === 1) row.split = splits[0];
    for (const role of Object.keys(ROLE_NAMES) as NamedRole[]) {
      const values = [...new Set(same.map((r) => r[role]).filter((v) => v !== null))];
      row[role] = values.length === 1 ? values[0] : null;
      if (values.length < 2) continue;
      const lines = same.filter((r) => r[role] !== null).map((r) => r.line);
      issues.push({
        line: lines[0],
        issue: {
          path,
          code: 'label',
          message:
            `${csvName} lines ${lines.join(', ')} give ${basename(path)} different ${ROLE_NAMES[role]}s (${values.map((v) => `"${v}"`).join(', ')}); ` +
            `none of them was applied. Keep one row per image and import the CSV again.`,
        },
      });
    }
    merged.push(row);
  }
  return { rows: merged, issues };
}

/** The decoded, parsed file: its header row, its data rows, and the rows that could not be parsed. */
function readCsvFile(csvPath: string, fix: string): { header: string[]; records: CsvRecord[]; rejected: CsvRejectedRow[]; delimiter: CsvDelimiter } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(csvPath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : 'cannot be read';
    throw validation(`The label file ${csvPath} ${why}; ${fix}.`);
  }
  const { records, rejected, delimiter } = parseCsv(decodeCsv(bytes, basename(csvPath)));
  const [first, ...rest] = records;
  const broken = rejected.find((r) => first === undefined || r.line < first.line);
  if (broken) throw validation(`${basename(csvPath)} line ${broken.line}, its header row: ${broken.reason}. Fix the header and import the CSV again.`);
  return { header: first?.fields ?? [], records: rest, rejected, delimiter };
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
  const col = {
    path: find('path'),
    label: find('label'),
    group: find('group'),
    auxLabel: find('auxLabel'),
    excluded: find('excluded'),
    excludeReason: find('excludeReason'),
    split: find('split'),
  };
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
  const { header, records } = readCsvFile(resolve(file), 'check the CSV path');
  const norm = header.map(normalise);
  const detected: CsvColumns = {};
  for (const role of Object.keys(COLUMNS) as (keyof typeof COLUMNS)[]) {
    const k = norm.findIndex((h) => (COLUMNS[role] as readonly string[]).includes(h));
    if (k >= 0) detected[role] = header[k];
  }
  return { columns: header, detected, preview: records.slice(0, previewRows).map((r) => r.fields) };
}
