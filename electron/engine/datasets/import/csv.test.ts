import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { inspectLabelCsv, parseCsv, readLabelCsv } from './csv.ts';

describe('parseCsv', () => {
  it('handles quotes, doubled quotes, CRLF, a BOM and blank lines', () => {
    const text = '\ufeffpath,label\r\n"a, b.png","say ""hi"""\r\n\r\nc.png,x\n';
    expect(parseCsv(text)).toEqual([['path', 'label'], ['a, b.png', 'say "hi"'], ['c.png', 'x']]);
  });
});

describe('readLabelCsv', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  const csvFile = (text: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'labeltune-csv-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'labels.csv'), text);
    return { dir, file: join(dir, 'labels.csv') };
  };

  it('maps columns by header (any order, aliases) and resolves paths against the CSV folder', () => {
    const { dir, file } = csvFile('Patient ID,Class,File,aux_label\nP1,cat,img/a.png,day\nP2,dog,/abs/b.png,\n');
    const { rows, issues } = readLabelCsv(file);
    expect(issues).toEqual([]);
    expect(rows).toEqual([
      { line: 2, path: join(dir, 'img/a.png'), label: 'cat', group: 'P1', auxLabel: 'day' },
      { line: 3, path: '/abs/b.png', label: 'dog', group: 'P2', auxLabel: null },
    ]);
  });

  it('reports rows with an empty label or no path, and keeps the rest', () => {
    const { dir, file } = csvFile('path,label\na.png,\n,cat\nb.png,dog\n');
    const { rows, issues } = readLabelCsv(file);
    expect(rows.map((r) => [r.path, r.label])).toEqual([[join(dir, 'a.png'), null], [join(dir, 'b.png'), 'dog']]);
    expect(issues.map((i) => i.code)).toEqual(['label', 'label']);
    expect(issues[0].message).toContain('line 2');
    expect(issues[1].message).toContain('line 3 has no path');
  });

  it('refuses a CSV without a path column, naming its header', () => {
    const { file } = csvFile('name,label\na.png,cat\n');
    expect(() => readLabelCsv(file)).toThrow(/needs a header row with a "path" column.*"name,label"/);
  });

  it('uses the columns the user mapped, and names the header when a mapped column is missing', () => {
    const { dir, file } = csvFile('Accession,Finding,MRN,Scan\nA1,effusion,P7,s1.dcm\nA2,normal,P8,s2.dcm\n');
    const { rows } = readLabelCsv(file, { path: 'Scan', label: 'Finding', group: 'MRN' });
    expect(rows.map((r) => [r.path, r.label, r.group])).toEqual([
      [join(dir, 's1.dcm'), 'effusion', 'P7'],
      [join(dir, 's2.dcm'), 'normal', 'P8'],
    ]);
    expect(() => readLabelCsv(file, { path: 'Filename' })).toThrow(/labels.csv has no column "Filename"; its columns are "Accession", "Finding", "MRN", "Scan"/);
    expect(() => readLabelCsv(file)).toThrow(/or choose which column holds the paths/);
  });

  it('inspects a CSV for the mapping UI: header, detected roles, first rows', () => {
    const { file } = csvFile('File,Class,Patient ID,notes\na.png,cat,P1,x\nb.png,dog,P2,y\n');
    expect(inspectLabelCsv(file, 1)).toEqual({
      columns: ['File', 'Class', 'Patient ID', 'notes'],
      detected: { path: 'File', label: 'Class', group: 'Patient ID' },
      preview: [['a.png', 'cat', 'P1', 'x']],
    });
  });
});
