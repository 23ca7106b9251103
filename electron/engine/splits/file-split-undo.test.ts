import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineClient } from '../../../shared/contract/index.ts';
import type { Database } from '../db/database.ts';
import { type TestEngine, createTestProject } from '../testing/test-engine.ts';
import { seedImages, seedLabels } from '../testing/seed-images.ts';

/** Undoing a label CSV's import takes back the split its split column placed, unless the split changed since. */
let t: TestEngine;
let client: EngineClient;
let db: Database;
let ids: number[];
let paths: string[];

beforeEach(async () => {
  t = await createTestProject();
  client = t.client;
  db = t.engine.ctx.project().db;
  ids = seedImages(db, 12, { group: (i) => `P${i}` });
  paths = ids.map((id) => db.prepare('SELECT path FROM images WHERE id = ?').pluck().get(id) as string);
});
afterEach(() => t.dispose());

/** Imports labels.csv labelling every image 'opacity', with the file's split for the first `n` images. */
async function importCsv(splits: string[], name = 'labels.csv'): Promise<void> {
  const csv = join(t.tmp, name);
  writeFileSync(csv, ['path,label,split', ...paths.map((p, i) => `${p},opacity,${splits[i] ?? ''}`)].join('\n'));
  const { jobId } = await client.invoke('import.start', { paths: [], csv });
  expect((await client.invoke('job.wait', { jobId })).status).toBe('completed');
}

/** Each image's split (null: none), in id order. */
const assignments = () => ids.map((id) => (db.prepare('SELECT split FROM splits WHERE image_id = ?').pluck().get(id) as string | undefined) ?? null);

async function labelAll(name: string): Promise<void> {
  const classId = (await client.invoke('labels.addClass', { name })).id;
  const task = db.prepare(`SELECT id FROM tasks WHERE role = 'main'`).pluck().get() as number;
  seedLabels(db, task, ids.map((id) => [id, classId]));
}

const FILE = ['test', 'test', 'test', 'val', 'val', 'val', 'train', 'train'];

describe('undoing a label import that placed a split', () => {
  it('puts back the split made by ratios before it (assignments, settings, date), and redo places the file\'s again', async () => {
    await labelAll('normal');
    const ratios = await client.invoke('splits.create', { ratios: [0.5, 0.25, 0.25], seed: 3 });
    const before = assignments();
    await importCsv(FILE);
    const placed = assignments();
    expect(placed.slice(0, 8)).toEqual(FILE);
    expect(placed.slice(8)).toEqual(before.slice(8));
    expect((await client.invoke('splits.report', {})).fromFile).toMatchObject({ file: 'labels.csv', images: 8 });

    const undone = await client.invoke('labels.undo', {});
    expect(undone.step?.source).toBe('import');
    expect(undone.changed).toHaveLength(12);
    expect(undone.split).toEqual({ file: 'labels.csv', restored: true, message: 'The split labels.csv placed was taken back too: the splits are as they were before the import.' });
    expect(assignments()).toEqual(before);
    const report = await client.invoke('splits.report', {});
    expect(report.fromFile).toBeNull();
    expect(report.settings).toEqual(ratios.settings);
    expect(report.createdAt).toBe(ratios.createdAt);

    const redone = await client.invoke('labels.redo', {});
    expect(redone.split).toEqual({ file: 'labels.csv', restored: true, message: 'The split labels.csv placed is back too.' });
    expect(assignments()).toEqual(placed);
    expect((await client.invoke('splits.report', {})).fromFile).toMatchObject({ file: 'labels.csv', images: 8 });
  });

  it('leaves the images it placed without a split when the project had none', async () => {
    await importCsv(FILE);
    expect(assignments()).toEqual([...FILE, null, null, null, null]);
    const undone = await client.invoke('labels.undo', {});
    expect(undone.split?.restored).toBe(true);
    // The sidebar's per-split counts move with the split, as the label counts do.
    expect(undone.counts.perSplit).toEqual({ train: -2, val: -3, test: -3, none: 8 });
    expect(assignments()).toEqual(Array(12).fill(null));
    const report = await client.invoke('splits.report', {});
    expect([report.fromFile, report.settings, report.createdAt]).toEqual([null, null, null]);
  });

  it('keeps a split changed after the import, says so, and redo keeps it too', async () => {
    await importCsv(FILE);
    const resplit = await client.invoke('splits.create', { ratios: [0.5, 0.25, 0.25], seed: 9 });
    const mine = assignments();
    const undone = await client.invoke('labels.undo', {});
    expect(undone.changed).toHaveLength(12);
    expect(undone.split).toEqual({
      file: 'labels.csv',
      restored: false,
      message: 'The split was kept: it was changed since labels.csv placed it (re-split, locked or moved by another file), so undo left it as it is.',
    });
    expect(assignments()).toEqual(mine);
    expect((await client.invoke('splits.report', {})).settings).toEqual(resplit.settings);
    const redone = await client.invoke('labels.redo', {});
    expect(redone.changed).toHaveLength(12);
    expect(redone.split?.restored).toBe(false);
    expect(assignments()).toEqual(mine);
  });

  it('keeps the split when the test set was locked after the import', async () => {
    await importCsv(FILE);
    await client.invoke('splits.lock', { locked: true });
    const undone = await client.invoke('labels.undo', {});
    expect(undone.split?.restored).toBe(false);
    expect(assignments().slice(0, 8)).toEqual(FILE);
    expect((await client.invoke('splits.report', {})).lockedTest).toBe(3);
  });

  it('redo keeps a split made between the undo and the redo', async () => {
    await labelAll('normal');
    await importCsv(FILE);
    await client.invoke('labels.undo', {});
    await client.invoke('splits.create', { ratios: [0.5, 0.25, 0.25], seed: 4 });
    const mine = assignments();
    const redone = await client.invoke('labels.redo', {});
    expect(redone.split?.restored).toBe(false);
    expect(assignments()).toEqual(mine);
    expect((await client.invoke('splits.report', {})).fromFile).toBeNull();
  });

  it('dates the split put back now when a run was made on the file\'s split, so that run is not counted as made on it', async () => {
    await labelAll('normal');
    const ratios = await client.invoke('splits.create', { seed: 3 });
    await importCsv(FILE);
    await new Promise((r) => setTimeout(r, 5));
    db.prepare(`INSERT INTO runs (name, status, backbone, strategy, config, created_at) VALUES ('on the file', 'completed', 'resnet18', 'top', '{}', ?)`).run(new Date().toISOString());
    expect((await client.invoke('splits.usage', {})).runs.map((r) => r.name)).toEqual(['on the file']);
    expect((await client.invoke('labels.undo', {})).split?.restored).toBe(true);
    const report = await client.invoke('splits.report', {});
    expect(Date.parse(report.createdAt!)).toBeGreaterThan(Date.parse(ratios.createdAt!));
    expect((await client.invoke('splits.usage', {})).runs).toEqual([]);
  });

  it('answers no split for an import without a split column', async () => {
    await importCsv([]);
    const undone = await client.invoke('labels.undo', {});
    expect(undone.changed).toHaveLength(12);
    expect(undone.split).toBeUndefined();
  });
});
