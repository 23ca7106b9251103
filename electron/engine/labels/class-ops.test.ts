import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineClient } from '../../../shared/contract/index.ts';
import type { Database } from '../db/database.ts';
import { type TestEngine, createTestProject } from '../testing/test-engine.ts';
import { seedImages } from '../testing/seed-images.ts';
import { setLabels } from './label-store.ts';

/** Issue 14, point 3: class names a person cannot tell apart are refused; merges and deletes can be undone. */
let t: TestEngine;
let client: EngineClient;
let db: Database;
let ids: number[];

beforeEach(async () => {
  t = await createTestProject();
  client = t.client;
  db = t.engine.ctx.project().db;
  ids = seedImages(db, 10);
});
afterEach(() => t.dispose());

const labelsOf = (imageId: number) => db.prepare('SELECT class_id FROM labels WHERE image_id = ? ORDER BY class_id').pluck().all(imageId) as number[];
const classNames = async () => (await client.invoke('labels.tasks', {}))[0].classes.map((c) => [c.name, c.count]);

describe('class names', () => {
  it('refuses a name that differs only in case or spaces, naming the existing class', async () => {
    await client.invoke('labels.addClass', { name: 'normal' });
    await expect(client.invoke('labels.addClass', { name: 'Normal ' })).rejects.toMatchObject({
      code: 'conflict',
      message: '"Normal" is the class "normal" written differently (case or spaces differ); use "normal", or merge the two classes.',
    });
    await expect(client.invoke('labels.addClass', { name: 'pleural  Effusion' })).resolves.toMatchObject({ name: 'pleural  Effusion' });
    await expect(client.invoke('labels.addClass', { name: 'Pleural effusion' })).rejects.toMatchObject({ code: 'conflict' });
    const effusion = (await client.invoke('labels.tasks', {}))[0].classes[1];
    // A class may change its own case.
    await expect(client.invoke('labels.updateClass', { classId: effusion.id, name: 'Pleural effusion' })).resolves.toMatchObject({ name: 'Pleural effusion' });
    await expect(client.invoke('labels.updateClass', { classId: effusion.id, name: 'NORMAL' })).rejects.toMatchObject({ code: 'conflict' });
    expect(await classNames()).toEqual([
      ['normal', 0],
      ['Pleural effusion', 0],
    ]);
  });
});

describe('undoing merges and deletes', () => {
  it("keeps who wrote each label: a model's accepted guess stays the model's when merged, and comes back as such", async () => {
    const a = (await client.invoke('labels.addClass', { name: 'normal' })).id;
    const c = (await client.invoke('labels.addClass', { name: 'effusion' })).id;
    const runId = Number(
      db.prepare(`INSERT INTO runs (name, status, backbone, strategy, config, created_at) VALUES ('r1', 'completed', 'resnet18', 'top', '{}', 'x')`).run().lastInsertRowid,
    );
    setLabels(db, { imageIds: [ids[0]], taskRole: 'main', classIds: [a], mode: 'replace', source: 'model', runId, session: 'tab-A' });
    await client.invoke('labels.set', { imageIds: [ids[1]], classIds: [a] });
    const rows = () => db.prepare('SELECT image_id, class_id, source, run_id FROM labels WHERE image_id IN (?, ?) ORDER BY image_id').all(ids[0], ids[1]);

    const merged = await client.invoke('labels.mergeClasses', { fromId: a, intoId: c });
    expect(rows()).toEqual([
      { image_id: ids[0], class_id: c, source: 'model', run_id: runId },
      { image_id: ids[1], class_id: c, source: 'human', run_id: null },
    ]);
    const restored = await client.invoke('labels.restoreClass', { restoreId: merged.restoreId });
    expect(restored.restored.id).toBe(a);
    expect(rows()).toEqual([
      { image_id: ids[0], class_id: a, source: 'model', run_id: runId },
      { image_id: ids[1], class_id: a, source: 'human', run_id: null },
    ]);
  });

  it('brings a merged class back with its id, place, colour and images', async () => {
    const a = (await client.invoke('labels.addClass', { name: 'normal', color: '#00ff00', shortcut: 'n' })).id;
    const b = (await client.invoke('labels.addClass', { name: 'opacity' })).id;
    const c = (await client.invoke('labels.addClass', { name: 'effusion' })).id;
    await client.invoke('labels.set', { imageIds: ids.slice(0, 3), classIds: [a] });
    await client.invoke('labels.set', { imageIds: ids.slice(3, 5), classIds: [b] });
    const merged = await client.invoke('labels.mergeClasses', { fromId: a, intoId: c });
    expect(merged.restoreId).toMatch(/^class:/);
    expect(await classNames()).toEqual([
      ['opacity', 2],
      ['effusion', 3],
    ]);
    // Someone relabels one of the merged images meanwhile: the restore leaves it alone.
    await client.invoke('labels.set', { imageIds: [ids[2]], classIds: [b] });
    const restored = await client.invoke('labels.restoreClass', { restoreId: merged.restoreId });
    expect(restored.restored).toMatchObject({ id: a, name: 'normal', position: 0, color: '#00ff00', shortcut: 'n', count: 2 });
    expect(restored.skipped).toEqual([ids[2]]);
    expect(ids.slice(0, 5).map(labelsOf)).toEqual([[a], [a], [b], [b], [b]]);
    expect(await classNames()).toEqual([
      ['normal', 2],
      ['opacity', 3],
      ['effusion', 0],
    ]);
    // The audit log keeps the merge (marked undone) and the restore.
    const history = await client.invoke('labels.history', { imageId: ids[0] });
    expect(history.map((e) => [e.source, e.old, e.new, e.undone])).toEqual([
      ['undo', [c], [a], false],
      ['human', [a], [c], true],
      ['human', [], [a], false],
    ]);
    await expect(client.invoke('labels.restoreClass', { restoreId: merged.restoreId })).rejects.toMatchObject({ code: 'conflict' });
  });

  it('brings a deleted empty class back, and refuses while another class took its name', async () => {
    await client.invoke('labels.addClass', { name: 'normal' });
    const gone = (await client.invoke('labels.addClass', { name: 'artefact' })).id;
    const deleted = await client.invoke('labels.deleteClass', { classId: gone });
    expect(await classNames()).toEqual([['normal', 0]]);
    const again = await client.invoke('labels.addClass', { name: 'Artefact' });
    await expect(client.invoke('labels.restoreClass', { restoreId: deleted.restoreId })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('"Artefact" exists again'),
    });
    await client.invoke('labels.deleteClass', { classId: again.id });
    const back = await client.invoke('labels.restoreClass', { restoreId: deleted.restoreId });
    expect(back.restored).toMatchObject({ name: 'artefact', position: 1 });
    expect(back.changed).toEqual([]);
  });
});
