import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, expect, it } from 'vitest';
import type { ImportReport } from '../../../../shared/contract/datasets.ts';
import { createTestProject, type TestEngine } from '../../testing/test-engine.ts';

let t: TestEngine;
afterEach(() => t?.dispose());

it('import.start applies a CSV through the column mapping the user chose', async () => {
  t = await createTestProject();
  for (const [name, v] of [['s1.png', 40], ['s2.png', 200]] as const) {
    await sharp(Buffer.alloc(16 * 16, v), { raw: { width: 16, height: 16, channels: 1 } }).png().toFile(join(t.tmp, name));
  }
  const csv = join(t.tmp, 'export.csv');
  writeFileSync(csv, 'Accession,Finding,MRN,Scan\nA1,effusion,P7,s1.png\nA2,normal,P8,s2.png\n');
  const preview = await t.client.invoke('import.inspectCsv', { csv });
  expect(preview.columns).toEqual(['Accession', 'Finding', 'MRN', 'Scan']);
  expect(preview.detected).toEqual({});
  const { jobId } = await t.client.invoke('import.start', { paths: [], csv, csvColumns: { path: 'Scan', label: 'Finding', group: 'MRN' } });
  const job = await t.client.invoke('job.wait', { jobId });
  expect((job.result as ImportReport).imported).toBe(2);
  const rows = t.engine.ctx.project().db
    .prepare(`SELECT i.group_id, c.name FROM images i JOIN labels l ON l.image_id = i.id JOIN classes c ON c.id = l.class_id ORDER BY i.path`)
    .all();
  expect(rows).toEqual([{ group_id: 'P7', name: 'effusion' }, { group_id: 'P8', name: 'normal' }]);
});

it('import.start reads a UTF-16 CSV and lists every rejected and conflicting row in the report', async () => {
  t = await createTestProject();
  for (const [name, v] of [['a.png', 40], ['b.png', 120], ['c.png', 200]] as const) {
    await sharp(Buffer.alloc(16 * 16, v), { raw: { width: 16, height: 16, channels: 1 } }).png().toFile(join(t.tmp, name));
  }
  const csv = join(t.tmp, 'labels.csv');
  const text = 'path,label\r\na.png,"normal\r\nb.png,effusion\r\nb.png,normal\r\nc.png,effusion\r\n';
  writeFileSync(csv, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
  const job = await t.client.invoke('job.wait', await t.client.invoke('import.start', { paths: [], csv }));
  const report = job.result as ImportReport;
  expect(job.error).toBeNull();
  expect(report.imported).toBe(2); // b and c: a's row is rejected, so the CSV does not list it
  expect(report.labels.main).toEqual({ effusion: 1 });
  expect(report.issues.map((i) => i.message)).toEqual([
    'labels.csv line 2: the quote that opens field 2 is not closed on this line (a closing quote is probably missing); the row was not imported.',
    'labels.csv lines 3, 4 give b.png different labels ("effusion", "normal"); none of them was applied. Keep one row per image and import the CSV again.',
  ]);
});
