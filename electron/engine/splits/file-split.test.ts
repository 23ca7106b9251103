import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineClient } from '../../../shared/contract/index.ts';
import type { Database } from '../db/database.ts';
import { type TestEngine, createTestProject } from '../testing/test-engine.ts';
import { seedImages } from '../testing/seed-images.ts';
import { formatSplitReport } from '../cli/commands/split.ts';
import { dataSummary } from '../export/model-card.ts';

/** A project whose only split came from a label CSV's split column reports that split (not "no splits"). */
let t: TestEngine;
let client: EngineClient;
let db: Database;
let paths: string[];

// 20 images: 14 train, 3 val, 3 test. Patient P1 has images in train and val, P2 in train and test.
const SPLITS = [...Array<string>(14).fill('train'), 'val', 'val', 'val', 'test', 'test', 'test'];
const GROUPS = SPLITS.map((_, i) => (i === 0 || i === 14 ? 'P1' : i === 1 || i === 17 ? 'P2' : `Q${i}`));

beforeEach(async () => {
  t = await createTestProject();
  client = t.client;
  db = t.engine.ctx.project().db;
  const ids = seedImages(db, SPLITS.length, { group: (i) => GROUPS[i] });
  paths = ids.map((id) => db.prepare('SELECT path FROM images WHERE id = ?').pluck().get(id) as string);
});
afterEach(() => t.dispose());

async function importCsv(name: string, rows: [path: string, split: string][]): Promise<void> {
  const csv = join(t.tmp, name);
  writeFileSync(csv, ['path,label,split', ...rows.map(([p, s]) => `${p},normal,${s}`)].join('\n'));
  const { jobId } = await client.invoke('import.start', { paths: [], csv });
  expect((await client.invoke('job.wait', { jobId })).status).toBe('completed');
}

describe('a split fixed by a file', () => {
  it('is reported as the current split, named after the file, with counts and the groups it leaves in two splits', async () => {
    expect((await client.invoke('splits.report', {})).fromFile).toBeNull();
    await importCsv('labels.csv', paths.map((p, i) => [p, SPLITS[i]]));
    const report = await client.invoke('splits.report', {});
    expect(report.settings).toBeNull();
    expect(report.fromFile).toEqual({ kind: 'file', file: 'labels.csv', images: 20, leakingGroups: 2, at: report.createdAt });
    expect([report.parts.train.images, report.parts.val.images, report.parts.test.images]).toEqual([14, 3, 3]);
    expect(report.warnings).toEqual([]);
    const leakage = await client.invoke('splits.leakage', {});
    expect(leakage.groups.map((g) => g.groupId)).toEqual(['P1', 'P2']);
    // The CLI's table and the model card say where the split came from too.
    expect(formatSplitReport(report, leakage)).toContain('Ratios     0.700/0.150/0.150, placed image by image by labels.csv (its split column)');
    expect(dataSummary(db, ['normal']).groupPolicy).toBe('placed image by image by labels.csv; 2 group(s) span two splits');
    // Re-splitting by ratios replaces the file's split, which the report then no longer names.
    const resplit = await client.invoke('splits.create', { ratios: [0.7, 0.15, 0.15], seed: 1 });
    expect(resplit.fromFile).toBeNull();
    expect(resplit.settings).toEqual({ ratios: [0.7, 0.15, 0.15], seed: 1, groupBy: 'patient' });
  });

  it('names a file over a split made by ratios only when the file changed it', async () => {
    await importCsv('labels.csv', paths.map((p, i) => [p, SPLITS[i]]));
    await client.invoke('splits.create', { ratios: [0.5, 0.5, 0], seed: 2 });
    const current = db.prepare('SELECT path, split FROM images JOIN splits ON splits.image_id = images.id ORDER BY images.id').all() as { path: string; split: string }[];
    await importCsv('same.csv', current.slice(0, 3).map((r) => [r.path, r.split]));
    expect((await client.invoke('splits.report', {})).fromFile).toBeNull();
    const moved = current[0].split === 'train' ? 'val' : 'train';
    await importCsv('fix.csv', [[current[0].path, moved]]);
    const report = await client.invoke('splits.report', {});
    expect(report.fromFile).toMatchObject({ file: 'fix.csv', images: 1 });
    expect(db.prepare('SELECT split FROM splits JOIN images ON images.id = splits.image_id WHERE path = ?').pluck().get(current[0].path)).toBe(moved);
  });
});
