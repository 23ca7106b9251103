import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineClient } from '../../../shared/contract/index.ts';
import type { Database } from '../db/database.ts';
import { pattern, rawPng } from '../../imaging/testing/fixtures.ts';
import { type TestEngine, createTestProject } from '../testing/test-engine.ts';
import { seedImages } from '../testing/seed-images.ts';
import { setLabels } from './label-store.ts';

/** Issue 14, point 2: undo per window or tab, naming what it takes back; the audit log keeps everything. */
let t: TestEngine;
let client: EngineClient;
let db: Database;
let ids: number[];
let a: number;
let b: number;

beforeEach(async () => {
  t = await createTestProject();
  client = t.client;
  db = t.engine.ctx.project().db;
  ids = seedImages(db, 10);
  a = (await client.invoke('labels.addClass', { name: 'normal' })).id;
  b = (await client.invoke('labels.addClass', { name: 'opacity' })).id;
});
afterEach(() => t.dispose());

const labelsOf = (imageId: number) => db.prepare('SELECT class_id FROM labels WHERE image_id = ? ORDER BY class_id').pluck().all(imageId) as number[];
const auditRows = () => db.prepare('SELECT count(*) FROM label_events').pluck().get() as number;

describe('undo per session', () => {
  it("takes back only the session's own actions, never another tab's", async () => {
    const mine = await client.invoke('labels.set', { imageIds: [ids[0]], classIds: [a], session: 'tab-A' });
    await client.invoke('labels.set', { imageIds: [ids[1]], classIds: [b], session: 'tab-B' });
    const undo = await client.invoke('labels.undo', { session: 'tab-A' });
    expect(undo.batchId).toBe(mine.batchId);
    expect(undo.step).toMatchObject({ batchId: mine.batchId, source: 'human', images: 1 });
    expect([labelsOf(ids[0]), labelsOf(ids[1])]).toEqual([[], [b]]);
    // Tab A has nothing left to undo: tab B's label is not A's to take back.
    expect((await client.invoke('labels.undo', { session: 'tab-A' })).batchId).toBeNull();
    expect(labelsOf(ids[1])).toEqual([b]);
    // Tab B labelling meanwhile does not clear tab A's redo.
    await client.invoke('labels.set', { imageIds: [ids[2]], classIds: [b], session: 'tab-B' });
    expect((await client.invoke('labels.redo', { session: 'tab-A' })).batchId).toBe(mine.batchId);
    expect(labelsOf(ids[0])).toEqual([a]);
  });

  it("a session's new action clears its own redo", async () => {
    await client.invoke('labels.set', { imageIds: [ids[0]], classIds: [a], session: 'tab-A' });
    await client.invoke('labels.undo', { session: 'tab-A' });
    await client.invoke('labels.set', { imageIds: [ids[1]], classIds: [a], session: 'tab-A' });
    expect((await client.invoke('labels.undoPreview', { session: 'tab-A' })).redo).toBeNull();
    expect((await client.invoke('labels.redo', { session: 'tab-A' })).batchId).toBeNull();
  });

  it('previews the next step with its size and refuses an undo whose step changed since the preview', async () => {
    await client.invoke('labels.set', { imageIds: ids.slice(0, 7), classIds: [a], session: 'tab-A' });
    const preview = await client.invoke('labels.undoPreview', { session: 'tab-A' });
    expect(preview.undo).toMatchObject({ source: 'human', images: 7 });
    expect(preview.redo).toBeNull();
    const newer = await client.invoke('labels.set', { imageIds: [ids[8]], classIds: [b], session: 'tab-A' });
    await expect(client.invoke('labels.undo', { session: 'tab-A', expect: preview.undo!.batchId })).rejects.toMatchObject({ code: 'conflict' });
    expect(labelsOf(ids[0])).toEqual([a]);
    // One image is below askAbove: taken back at once.
    const done = await client.invoke('labels.undo', { session: 'tab-A', askAbove: 1 });
    expect(done).toMatchObject({ held: false, batchId: newer.batchId, step: { images: 1 } });
    const bulk = await client.invoke('labels.undo', { session: 'tab-A', askAbove: 1 });
    expect(bulk).toMatchObject({ held: true, step: { images: 7 } });
    expect(labelsOf(ids[0])).toEqual([a]);
  });

  it('keeps every action and every undo in the audit log, with the session that wrote it', async () => {
    await client.invoke('labels.set', { imageIds: [ids[0]], classIds: [a], session: 'tab-A' });
    await client.invoke('labels.set', { imageIds: [ids[0]], classIds: [b], session: 'tab-B' });
    await client.invoke('labels.undo', { session: 'tab-B' });
    await client.invoke('labels.set', { imageIds: [ids[0]], classIds: [b] });
    expect(auditRows()).toBe(4);
    const history = await client.invoke('labels.history', { imageId: ids[0] });
    expect(history.map((e) => [e.source, e.session, e.new])).toEqual([
      ['human', null, [b]],
      ['undo', 'tab-B', [a]],
      ['human', 'tab-B', [b]],
      ['human', 'tab-A', [a]],
    ]);
  });

  it("an import's labels are one undo step of the session that started it", async () => {
    const dir = join(t.tmp, 'folders');
    for (const cls of ['cats', 'dogs']) {
      mkdirSync(join(dir, cls), { recursive: true });
      for (let i = 0; i < 3; i++) writeFileSync(join(dir, cls, `${i}.png`), await rawPng(pattern(16, 16, 1, i + (cls === 'cats' ? 0 : 10)), 16, 16, 1));
    }
    await client.invoke('labels.set', { imageIds: [ids[0]], classIds: [a], session: 'tab-A' });
    const { jobId } = await client.invoke('import.start', { paths: [dir], classFolders: true, session: 'tab-A' });
    expect((await client.invoke('job.wait', { jobId })).status).toBe('completed');
    const imported = () => db.prepare(`SELECT count(*) FROM labels WHERE source = 'import'`).pluck().get() as number;
    expect(imported()).toBe(6);
    // Another tab's undo does not touch the import.
    expect((await client.invoke('labels.undo', { session: 'tab-B' })).batchId).toBeNull();
    const preview = await client.invoke('labels.undoPreview', { session: 'tab-A' });
    expect(preview.undo).toMatchObject({ batchId: `import:${jobId}`, source: 'import', images: 6 });
    // Asked to hold large steps, undo answers the import without taking it back.
    const held = await client.invoke('labels.undo', { session: 'tab-A', askAbove: 1 });
    expect(held).toMatchObject({ held: true, batchId: null, changed: [], step: { source: 'import', images: 6 } });
    expect(imported()).toBe(6);
    const undo = await client.invoke('labels.undo', { session: 'tab-A', expect: preview.undo!.batchId });
    expect(undo.held).toBe(false);
    expect(undo.changed).toHaveLength(6);
    expect(imported()).toBe(0);
    expect(labelsOf(ids[0])).toEqual([a]);
  });

  it('tells other windows which tiles changed, with their new classes', async () => {
    const seen: { changed?: unknown }[] = [];
    client.on('labels.changed', (e) => seen.push(e));
    await client.invoke('labels.set', { imageIds: [ids[3], ids[4]], classIds: [b], session: 'tab-A', clientId: 'view-A' });
    await client.invoke('labels.undo', { session: 'tab-A', clientId: 'view-A' });
    const task = db.prepare(`SELECT id FROM tasks WHERE role = 'main'`).pluck().get() as number;
    expect(seen.map((e) => e.changed)).toEqual([
      [
        { imageId: ids[3], taskId: task, classIds: [b] },
        { imageId: ids[4], taskId: task, classIds: [b] },
      ],
      [
        { imageId: ids[3], taskId: task, classIds: [] },
        { imageId: ids[4], taskId: task, classIds: [] },
      ],
    ]);
  });

  it("undoing a person's correction of an accepted model guess brings back that run's model label, and redo the correction", async () => {
    const runId = Number(
      db.prepare(`INSERT INTO runs (name, status, backbone, strategy, config, created_at) VALUES ('r1', 'completed', 'resnet18', 'top', '{}', 'x')`).run().lastInsertRowid,
    );
    const other = Number(
      db.prepare(`INSERT INTO runs (name, status, backbone, strategy, config, created_at) VALUES ('r2', 'completed', 'resnet18', 'top', '{}', 'x')`).run().lastInsertRowid,
    );
    // Run 1 guessed "opacity" for image 0, run 2 "normal" for image 1, both accepted in tab A (as predict.accept writes them).
    setLabels(db, { imageIds: [ids[0]], taskRole: 'main', classIds: [b], mode: 'replace', source: 'model', runId, session: 'tab-A' });
    setLabels(db, { imageIds: [ids[1]], taskRole: 'main', classIds: [a], mode: 'replace', source: 'model', runId: other, session: 'tab-A' });
    const row = (imageId: number) => db.prepare('SELECT class_id, source, run_id FROM labels WHERE image_id = ?').all(imageId);
    await client.invoke('labels.set', { imageIds: [ids[0], ids[1]], classIds: [b], session: 'tab-A' });
    expect([row(ids[0]), row(ids[1])]).toEqual([
      [{ class_id: b, source: 'model', run_id: runId }],
      [{ class_id: b, source: 'human', run_id: null }],
    ]);
    await client.invoke('labels.set', { imageIds: [ids[0]], classIds: [a], session: 'tab-A' });
    expect(row(ids[0])).toEqual([{ class_id: a, source: 'human', run_id: null }]);

    const undo = await client.invoke('labels.undo', { session: 'tab-A' });
    expect(row(ids[0])).toEqual([{ class_id: b, source: 'model', run_id: runId }]);
    expect(undo.changed).toEqual([{ imageId: ids[0], taskId: expect.any(Number), classIds: [b], model: { runId } }]);
    // The first correction changed image 1 only (image 0 held "opacity" already): undo gives it back as run 2's guess.
    await client.invoke('labels.undo', { session: 'tab-A' });
    expect(row(ids[1])).toEqual([{ class_id: a, source: 'model', run_id: other }]);
    expect(row(ids[0])).toEqual([{ class_id: b, source: 'model', run_id: runId }]);

    // Redo brings the corrections back as the person's.
    await client.invoke('labels.redo', { session: 'tab-A' });
    expect(row(ids[1])).toEqual([{ class_id: b, source: 'human', run_id: null }]);
    const redo = await client.invoke('labels.redo', { session: 'tab-A' });
    expect(redo.changed).toEqual([{ imageId: ids[0], taskId: expect.any(Number), classIds: [a] }]);
    expect(row(ids[0])).toEqual([{ class_id: a, source: 'human', run_id: null }]);

    // The audit log: each event knows what it replaced; the undo names the run it gave back.
    const events = db
      .prepare('SELECT source, run_id AS runId, old_value AS old, new_value AS new, old_origin AS origin FROM label_events WHERE image_id = ? ORDER BY id')
      .all(ids[1]);
    expect(events).toEqual([
      { source: 'model', runId: other, old: '[]', new: `[${a}]`, origin: null },
      { source: 'human', runId: null, old: `[${a}]`, new: `[${b}]`, origin: JSON.stringify({ [a]: ['model', other] }) },
      { source: 'undo', runId: other, old: `[${b}]`, new: `[${a}]`, origin: JSON.stringify({ [b]: ['human', null] }) },
      { source: 'redo', runId: null, old: `[${a}]`, new: `[${b}]`, origin: JSON.stringify({ [a]: ['model', other] }) },
    ]);
    const history = await client.invoke('labels.history', { imageId: ids[0] });
    expect(history.map((e) => [e.source, e.runId])).toEqual([
      ['redo', null],
      ['undo', runId],
      ['human', null],
      ['model', runId],
    ]);
  });
});
