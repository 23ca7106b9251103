import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { inspectLabelCsv, readLabelCsv } from './csv.ts';

describe('readLabelCsv', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  const csvFile = (text: string | Buffer) => {
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

  it('reads a semicolon CSV as Excel writes it in many locales, columns found by their names', () => {
    const { dir, file } = csvFile('\ufeffPath;Label;Patient ID\r\nimg/a.png;Normal;P1\r\nimg/b.png;pleural effusion, left;P2\r\n');
    const { rows, issues } = readLabelCsv(file);
    expect(issues).toEqual([]);
    expect(rows).toEqual([
      { line: 2, path: join(dir, 'img/a.png'), label: 'Normal', group: 'P1', auxLabel: null },
      { line: 3, path: join(dir, 'img/b.png'), label: 'pleural effusion, left', group: 'P2', auxLabel: null },
    ]);
    expect(inspectLabelCsv(file).detected).toEqual({ path: 'Path', label: 'Label', group: 'Patient ID' });
  });

  it('reads a split column in the usual words, and leaves the split alone where the rows disagree or name none', () => {
    const { dir, file } = csvFile('path,Subset\na.png,Training\nb.png,\nc.png,holdout\nd.png,val\nd.png,test\ne.png,fold-2\nc.png,TEST\n');
    const { rows, issues, splitColumn } = readLabelCsv(file);
    expect(splitColumn).toBe(true);
    expect(rows.map((r) => [r.path.slice(dir.length + 1), r.split])).toEqual([
      ['a.png', 'train'],
      ['b.png', undefined],
      ['c.png', 'test'],
      ['d.png', undefined],
      ['e.png', undefined],
    ]);
    expect(issues.map((i) => i.message)).toEqual([
      'labels.csv lines 5, 6 put d.png in different splits (val, test); its split was left as it is. Keep one row per image.',
      'labels.csv line 7 puts e.png in split "fold-2", which is none of train, val and test; its split was left as it is.',
    ]);
    expect(inspectLabelCsv(file).detected).toEqual({ path: 'path', split: 'Subset' });
    expect(readLabelCsv(csvFile('path\na.png\n').file).splitColumn).toBe(false);
  });

  it('reports rows with an empty label or no path, and keeps the rest', () => {
    const { dir, file } = csvFile('path,label\na.png,\n,cat\nb.png,dog\n');
    const { rows, issues } = readLabelCsv(file);
    expect(rows.map((r) => [r.path, r.label])).toEqual([[join(dir, 'a.png'), null], [join(dir, 'b.png'), 'dog']]);
    expect(issues.map((i) => i.code)).toEqual(['label', 'label']);
    expect(issues[0].message).toContain('line 2');
    expect(issues[1].message).toContain('line 3 has no path');
  });

  it('lists every row it cannot use, with its line and why, and keeps the others', () => {
    const long = 'x'.repeat(201);
    const { dir, file } = csvFile(
      ['path,label,group', 'a.png,"cat,P1', 'b.png,dog,P2', 'c.png,my "big" cat,P3', 'd.png,cat,P4,extra', `e.png,${long},P5`, 'f.png,"fish",P6'].join('\n'),
    );
    const { rows, issues } = readLabelCsv(file);
    expect(rows.map((r) => [r.line, r.path, r.label, r.group])).toEqual([
      [3, join(dir, 'b.png'), 'dog', 'P2'],
      [7, join(dir, 'f.png'), 'fish', 'P6'],
    ]);
    expect(issues.map((i) => [i.path, i.code])).toEqual([2, 4, 5, 6].map((l) => [`labels.csv:${l}`, 'label']));
    expect(issues.map((i) => i.message)).toEqual([
      'labels.csv line 2: the quote that opens field 2 is not closed on this line (a closing quote is probably missing); the row was not imported.',
      'labels.csv line 4: field 2 (my "big" cat) has a quote but is not quoted; write it as "my ""big"" cat"; the row was not imported.',
      'labels.csv line 5: it has 4 fields but the header has 3 (a comma inside an unquoted field shifts the columns; put that field in quotes); the row was not imported.',
      'labels.csv line 6: its label is 201 characters long; names are at most 200; the row was not imported.',
    ]);
  });

  it('merges rows that agree about a file, and applies none of the values where they disagree', () => {
    const { dir, file } = csvFile('path,label,group\na.png,cat,P1\nb.png,dog,P2\n./a.png,cat,P1\nb.png,bird,P2\nb.png,,P2\n');
    const { rows, issues } = readLabelCsv(file);
    expect(rows.map((r) => [r.line, r.path, r.label, r.group])).toEqual([
      [2, join(dir, 'a.png'), 'cat', 'P1'],
      [3, join(dir, 'b.png'), null, 'P2'],
    ]);
    expect(issues.map((i) => [i.path, i.message])).toEqual([
      [join(dir, 'b.png'), 'labels.csv lines 3, 5 give b.png different labels ("dog", "bird"); none of them was applied. Keep one row per image and import the CSV again.'],
      [join(dir, 'b.png'), 'labels.csv line 6 gives no label for b.png; it is imported unlabelled.'],
    ]);
  });

  it('reads a UTF-16 CSV (as Excel saves "Unicode text"), and names a broken header', () => {
    const { dir, file } = csvFile(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('path,label\r\nä.png,Ödem\r\n', 'utf16le')]));
    expect(readLabelCsv(file).rows.map((r) => [r.path, r.label])).toEqual([[join(dir, 'ä.png'), 'Ödem']]);
    const broken = csvFile('"path,label\na.png,cat\n');
    expect(() => readLabelCsv(broken.file)).toThrow('labels.csv line 1, its header row: the quote that opens field 1 is not closed on this line (a closing quote is probably missing). Fix the header and import the CSV again.');
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
