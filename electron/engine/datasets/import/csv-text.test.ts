import { describe, expect, it } from 'vitest';
import { decodeCsv, detectDelimiter, parseCsv } from './csv-text.ts';

const fieldsOf = (text: string) => parseCsv(text).records.map((r) => [r.line, ...r.fields]);

describe('parseCsv', () => {
  it('handles quotes, doubled quotes, CRLF, lone CR, a BOM and blank lines, numbering lines as an editor does', () => {
    const text = '\ufeffpath,label\r\n"a, b.png","say ""hi"""\r\n\r\nc.png,x\rd.png,\n';
    expect(parseCsv(text)).toEqual({
      records: [
        { line: 1, fields: ['path', 'label'] },
        { line: 2, fields: ['a, b.png', 'say "hi"'] },
        { line: 4, fields: ['c.png', 'x'] },
        { line: 5, fields: ['d.png', ''] },
      ],
      rejected: [],
      delimiter: ',',
    });
  });

  it('reads the semicolons and tabs Excel writes in many locales, with the same strictness', () => {
    const semicolon = 'path;label;group\r\n"a; b.png";Normal;P1\r\nc.png;"3,5 mm nodule";P2\r\nd.png;my "big" cat;P3\r\n';
    const parsed = parseCsv(semicolon);
    expect(parsed.delimiter).toBe(';');
    expect(parsed.records.map((r) => [r.line, ...r.fields])).toEqual([
      [1, 'path', 'label', 'group'],
      [2, 'a; b.png', 'Normal', 'P1'],
      [3, 'c.png', '3,5 mm nodule', 'P2'],
    ]);
    expect(parsed.rejected.map((r) => r.line)).toEqual([4]);
    const tab = parseCsv('path\tlabel\na, b.png\tcat\nc.png\tdog\n');
    expect(tab.delimiter).toBe('\t');
    expect(tab.records.map((r) => r.fields)).toEqual([['path', 'label'], ['a, b.png', 'cat'], ['c.png', 'dog']]);
  });

  it('keeps commas where every row splits on them, and a one-column file', () => {
    expect(detectDelimiter('path,label\na.png,cat; dog\nb.png,bird\n')).toBe(',');
    expect(detectDelimiter('path\na.png\nb.png\n')).toBe(',');
    expect(detectDelimiter('path;label\na.png;x\n')).toBe(';');
  });

  it('rejects a row whose quote is never closed, and reads the rows after it', () => {
    const { records, rejected } = parseCsv('path,label\na.png,"cat\nb.png,dog\nc.png,bird\n');
    expect(records.map((r) => [r.line, ...r.fields])).toEqual([[1, 'path', 'label'], [3, 'b.png', 'dog'], [4, 'c.png', 'bird']]);
    expect(rejected).toEqual([{ line: 2, reason: 'the quote that opens field 2 is not closed on this line (a closing quote is probably missing)' }]);
  });

  it('does not let a later quote close an earlier one across lines', () => {
    const { rejected } = parseCsv('path,label\na.png,"cat\nb.png,dog\nc.png,"\nd.png,fish');
    expect(fieldsOf('path,label\na.png,"cat\nb.png,dog\nc.png,"\nd.png,fish')).toEqual([[1, 'path', 'label'], [3, 'b.png', 'dog'], [5, 'd.png', 'fish']]);
    expect(rejected.map((r) => r.line)).toEqual([2, 4]);
  });

  it('rejects a quote inside an unquoted field or after a closing quote instead of shifting columns', () => {
    const { records, rejected } = parseCsv('a.png,my "big" cat,P1\nb.png,"big" cat,P2\nc.png,"my ""big"" cat",P3');
    expect(records.map((r) => r.fields)).toEqual([['c.png', 'my "big" cat', 'P3']]);
    expect(rejected).toEqual([
      { line: 1, reason: 'field 2 (my "big" cat) has a quote but is not quoted; write it as "my ""big"" cat"' },
      { line: 2, reason: 'field 2 has text after its closing quote ("big" cat); quote the whole field and double the quotes inside it' },
    ]);
  });
});

describe('decodeCsv', () => {
  const text = 'path,label\nä.png,Ödem 浮腫\n';
  const utf16be = (s: string) => Buffer.from(Buffer.from(s, 'utf16le').map((_, k, b) => b[k ^ 1]));

  it('reads UTF-8 with and without a BOM, UTF-16 LE and BE with a BOM, and UTF-16 LE without one', () => {
    expect(decodeCsv(Buffer.from(text), 'a.csv')).toBe(text);
    expect(decodeCsv(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), 'a.csv')).toBe(text);
    expect(decodeCsv(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), 'a.csv')).toBe(text);
    expect(decodeCsv(Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(text)]), 'a.csv')).toBe(text);
    expect(decodeCsv(Buffer.from(text, 'utf16le'), 'a.csv')).toBe(text);
    expect(decodeCsv(utf16be(text), 'a.csv')).toBe(text);
  });

  it('refuses Latin-1 text and binary files, saying what to do', () => {
    expect(() => decodeCsv(Buffer.from('path,label\nb.png,caf\xe9\n', 'latin1'), 'a.csv')).toThrow(/a.csv is not UTF-8 text \(line 2 has bytes .*Save it as "CSV UTF-8"/);
    expect(() => decodeCsv(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, 0x49, 0, 7]), 'a.csv')).toThrow(/a.csv is not a text file/);
  });
});
