import Papa from 'papaparse';
import { validation } from '../../../../shared/contract/errors.ts';

/**
 * CSV text as RFC 4180 writes it (quoted fields, doubled quotes, CRLF or LF, a BOM), read strictly:
 * a row that breaks the rules is rejected with its line number and the reason, and reading goes on
 * at the next line, so one stray quote costs one row, never the rows after it. No field of a label
 * CSV (path, class, group) has a line break, so a quoted field that runs on to another line is
 * taken for a missing closing quote and rejected too.
 */

export interface CsvRecord {
  /** 1-based line of the file the row is on. */
  line: number;
  fields: string[];
}

export interface CsvRejectedRow {
  line: number;
  reason: string;
}

export interface ParsedCsv {
  records: CsvRecord[];
  rejected: CsvRejectedRow[];
  /** The field delimiter read from the file: ',' or, as Excel writes in many locales, ';' or a tab. */
  delimiter: CsvDelimiter;
}

export const CSV_DELIMITERS = [',', ';', '\t'] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

/** Rows read to tell the delimiter: a header and a few data rows are plenty. */
const SNIFF_ROWS = 50;

/**
 * The delimiter of a CSV: PapaParse's guess (the candidate that splits the first rows into the
 * same number of fields, more than one) among comma, semicolon and tab; comma when none splits
 * them (a one-column file).
 */
export function detectDelimiter(text: string): CsvDelimiter {
  const guess = Papa.parse<string[]>(text, { preview: SNIFF_ROWS, delimitersToGuess: [...CSV_DELIMITERS], skipEmptyLines: true }).meta.delimiter;
  return (CSV_DELIMITERS as readonly string[]).includes(guess) ? (guess as CsvDelimiter) : ',';
}

export function parseCsv(text: string, delimiter: CsvDelimiter = detectDelimiter(text)): ParsedCsv {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  const rejected: CsvRejectedRow[] = [];
  let pos = 0;
  let line = 1;
  while (pos < src.length) {
    const end = lineEnd(src, pos);
    const r = readRecord(src, pos, end, delimiter);
    if (typeof r === 'string') rejected.push({ line, reason: r });
    else if (r.some((f) => f.trim() !== '')) records.push({ line, fields: r });
    pos = nextLine(src, end);
    line++;
  }
  return { records, rejected, delimiter };
}

/** The fields of the row in src[pos, end) (one physical line), or why it is not a valid row. */
function readRecord(src: string, pos: number, end: number, delimiter: CsvDelimiter): string[] | string {
  const fields: string[] = [];
  for (let i = pos; ; ) {
    const column = fields.length + 1;
    let field = '';
    if (src[i] === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= end) {
          return end < src.length
            ? `the quote that opens field ${column} is not closed on this line (a closing quote is probably missing)`
            : `the quote that opens field ${column} is never closed`;
        }
        if (src[j] === '"') {
          if (src[j + 1] === '"') (field += '"'), (j += 2);
          else break;
        } else field += src[j++];
      }
      i = j + 1;
      if (i < end && src[i] !== delimiter) {
        const rest = src.slice(i, end).split(delimiter)[0];
        return `field ${column} has text after its closing quote ("${field}"${rest}); quote the whole field and double the quotes inside it`;
      }
    } else {
      let j = i;
      while (j < end && src[j] !== delimiter) j++;
      field = src.slice(i, j);
      if (field.includes('"')) {
        return `field ${column} (${field}) has a quote but is not quoted; write it as "${field.replaceAll('"', '""')}"`;
      }
      i = j;
    }
    fields.push(field);
    if (i >= end) return fields;
    i++; // the delimiter
  }
}

/** Index of the line break (\n, \r\n or \r) that ends the line starting at pos, or the text's end. */
function lineEnd(src: string, pos: number): number {
  for (let i = pos; i < src.length; i++) if (src[i] === '\n' || src[i] === '\r') return i;
  return src.length;
}

function nextLine(src: string, end: number): number {
  return src[end] === '\r' && src[end + 1] === '\n' ? end + 2 : end + 1;
}

/**
 * The text of a CSV file: UTF-8 with or without a BOM, UTF-16 LE or BE (with a BOM, or without one
 * when the NUL bytes of ASCII text give it away). Anything else is refused with what to do, rather
 * than read as garbage class names.
 */
export function decodeCsv(bytes: Uint8Array, name: string): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return utf8(bytes.subarray(3), name);
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return utf16(bytes.subarray(2), 'le', name);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return utf16(bytes.subarray(2), 'be', name);
  const head = bytes.subarray(0, 256);
  if (head.includes(0)) {
    const zeros = (parity: number) => head.filter((b, k) => k % 2 === parity && b === 0).length;
    if (zeros(1) > head.length / 4 && zeros(0) === 0) return utf16(bytes, 'le', name);
    if (zeros(0) > head.length / 4 && zeros(1) === 0) return utf16(bytes, 'be', name);
    throw validation(`${name} is not a text file (it has NUL bytes); choose the CSV file that lists the images.`);
  }
  return utf8(bytes, name);
}

function utf8(bytes: Uint8Array, name: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const line = lineOfFirstInvalidUtf8(bytes);
    throw validation(
      `${name} is not UTF-8 text (line ${line} has bytes that are not UTF-8, likely a Windows or Latin-1 encoding). ` +
        'Save it as "CSV UTF-8" (Excel: File > Save As > CSV UTF-8) or as UTF-16, and import it again.',
    );
  }
}

function utf16(bytes: Uint8Array, order: 'le' | 'be', name: string): string {
  if (bytes.length % 2 !== 0) throw validation(`${name} looks like UTF-16 text but has an odd number of bytes: it is cut short or damaged.`);
  const le = order === 'le' ? bytes : Uint8Array.from(bytes, (_, k) => bytes[k ^ 1]);
  try {
    return new TextDecoder('utf-16le', { fatal: true }).decode(le);
  } catch {
    throw validation(`${name} looks like UTF-16 (${order === 'le' ? 'little' : 'big'}-endian) text but is damaged; save it again as CSV UTF-8.`);
  }
}

function lineOfFirstInvalidUtf8(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let line = 1;
  let start = 0;
  for (let k = 0; k <= bytes.length; k++) {
    if (k === bytes.length || bytes[k] === 0x0a) {
      try {
        decoder.decode(bytes.subarray(start, k));
      } catch {
        return line;
      }
      line++;
      start = k + 1;
    }
  }
  return line;
}
