import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineClient } from '../../../shared/contract/index.ts';
import type { Database } from '../db/database.ts';
import { type TestEngine, createTestProject } from '../testing/test-engine.ts';
import { seedImages } from '../testing/seed-images.ts';

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

const eventCount = () => db.prepare('SELECT count(*) FROM label_events').pluck().get() as number;
const labelsOf = (imageId: number) => db.prepare('SELECT class_id FROM labels WHERE image_id = ? ORDER BY class_id').pluck().all(imageId) as number[];

async function threeClasses() {
  const a = await client.invoke('labels.addClass', { name: 'normal', shortcut: '1', color: '#00ff00' });
  const b = await client.invoke('labels.addClass', { name: 'opacity', shortcut: '2' });
  const c = await client.invoke('labels.addClass', { name: 'effusion' });
  return [a.id, b.id, c.id];
}

describe('tasks and classes', () => {
  it('creates the main task on demand and lists classes in order with counts', async () => {
    const [a, b, c] = await threeClasses();
    await client.invoke('labels.set', { imageIds: ids.slice(0, 3), classIds: [b] });
    const [task] = await client.invoke('labels.tasks', {});
    expect(task).toMatchObject({ role: 'main', mode: 'single', labelled: 3 });
    expect(task.classes.map((x) => [x.name, x.position, x.count, x.shortcut])).toEqual([
      ['normal', 0, 0, '1'],
      ['opacity', 1, 3, '2'],
      ['effusion', 2, 0, null],
    ]);
    const reordered = await client.invoke('labels.reorderClasses', { classIds: [c, a, b] });
    expect(reordered.classes.map((x) => x.name)).toEqual(['effusion', 'normal', 'opacity']);
  });

  it('refuses class and label-set names over 200 characters, saying so', async () => {
    const long = 'x'.repeat(100_000);
    const tooLong = { code: 'validation', message: expect.stringMatching(/Name must be at most 200 characters; shorten it\./) };
    await expect(client.invoke('labels.addClass', { name: long })).rejects.toMatchObject(tooLong);
    await expect(client.invoke('labels.addClass', { name: 'y'.repeat(201) })).rejects.toMatchObject(tooLong);
    const ok = await client.invoke('labels.addClass', { name: 'y'.repeat(200) });
    expect(ok.name).toHaveLength(200);
    await expect(client.invoke('labels.updateClass', { classId: ok.id, name: long })).rejects.toMatchObject(tooLong);
    await expect(client.invoke('labels.configureTask', { role: 'main', name: long })).rejects.toMatchObject(tooLong);
    expect(db.prepare('SELECT max(length(name)) FROM classes').pluck().get()).toBe(200);
  });

  it('refuses duplicate names and shortcuts, and renames', async () => {
    const [a] = await threeClasses();
    await expect(client.invoke('labels.addClass', { name: 'normal' })).rejects.toMatchObject({ code: 'conflict' });
    await expect(client.invoke('labels.addClass', { name: 'x', shortcut: '1' })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('already selects class "normal"'),
    });
    const renamed = await client.invoke('labels.updateClass', { classId: a, name: 'healthy', shortcut: null });
    expect(renamed).toMatchObject({ name: 'healthy', shortcut: null, color: '#00ff00' });
    await expect(client.invoke('labels.addClass', { name: 'bad', color: 'red' })).rejects.toMatchObject({ code: 'validation' });
  });

  it('delete refuses while labels use the class, naming the count; moveTo moves them with events', async () => {
    const [a, b] = await threeClasses();
    await client.invoke('labels.set', { imageIds: ids.slice(0, 4), classIds: [a] });
    await expect(client.invoke('labels.deleteClass', { classId: a })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('used by 4 image(s)'),
    });
    const before = eventCount();
    const moved = await client.invoke('labels.deleteClass', { classId: a, moveTo: b });
    expect(moved.changed.map((c) => c.classIds)).toEqual([[b], [b], [b], [b]]);
    expect(eventCount() - before).toBe(4);
    expect(labelsOf(ids[0])).toEqual([b]);
    const [task] = await client.invoke('labels.tasks', {});
    expect(task.classes.map((x) => [x.name, x.position])).toEqual([
      ['opacity', 0],
      ['effusion', 1],
    ]);
  });

  it('merge moves labels of A to B in a multi-label task without doubling', async () => {
    await client.invoke('labels.configureTask', { role: 'main', mode: 'multi' });
    const [a, b, c] = await threeClasses();
    await client.invoke('labels.set', { imageIds: [ids[0]], classIds: [a, b] });
    await client.invoke('labels.set', { imageIds: [ids[1]], classIds: [a, c] });
    const merged = await client.invoke('labels.mergeClasses', { fromId: a, intoId: b });
    expect(merged.changed).toEqual([
      { imageId: ids[0], taskId: expect.any(Number), classIds: [b] },
      { imageId: ids[1], taskId: expect.any(Number), classIds: [b, c] },
    ]);
    const events = await client.invoke('labels.history', { imageId: ids[1] });
    expect(events[0]).toMatchObject({ old: [a, c], new: [b, c], source: 'human' });
  });

  it('refuses switching to single-label while an image has two classes', async () => {
    await client.invoke('labels.configureTask', { role: 'main', mode: 'multi' });
    const [a, b] = await threeClasses();
    await client.invoke('labels.set', { imageIds: ids.slice(0, 2), classIds: [a, b] });
    await expect(client.invoke('labels.configureTask', { role: 'main', mode: 'single' })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('2 images have more than one class'),
    });
  });

  it('keeps an aux task apart from main', async () => {
    const [a] = await threeClasses();
    const aux = await client.invoke('labels.addClass', { taskRole: 'aux', name: 'PA view' });
    await expect(client.invoke('labels.set', { imageIds: [ids[0]], classIds: [a], taskRole: 'aux' })).rejects.toMatchObject({ code: 'validation' });
    await client.invoke('labels.set', { imageIds: [ids[0]], classIds: [aux.id], taskRole: 'aux' });
    await client.invoke('labels.set', { imageIds: [ids[0]], classIds: [a] });
    expect(labelsOf(ids[0])).toEqual([a, aux.id].sort((x, y) => x - y));
    const tasks = await client.invoke('labels.tasks', {});
    expect(tasks.map((x) => [x.role, x.labelled])).toEqual([
      ['main', 1],
      ['aux', 1],
    ]);
  });
});

describe('labels.set with audit', () => {
  it('writes one event per changed image in one batch and none for unchanged images', async () => {
    const [a, b] = await threeClasses();
    const first = await client.invoke('labels.set', { imageIds: ids.slice(0, 5), classIds: [a] });
    expect(first.changed).toHaveLength(5);
    expect(eventCount()).toBe(5);
    const second = await client.invoke('labels.set', { imageIds: ids.slice(0, 8), classIds: [a] });
    expect(second.changed.map((c) => c.imageId)).toEqual(ids.slice(5, 8));
    expect(eventCount()).toBe(8);
    const batches = db.prepare('SELECT count(DISTINCT batch_id) FROM label_events').pluck().get();
    expect(batches).toBe(2);
    const none = await client.invoke('labels.set', { imageIds: ids.slice(0, 2), classIds: [a] });
    expect(none).toEqual({ batchId: null, changed: [], skipped: [], counts: { total: 0, perClass: {}, unlabeled: 0, excluded: 0, perSplit: {}, labelledPerTask: {} } });
    await client.invoke('labels.set', { imageIds: [ids[0]], classIds: [] });
    const history = await client.invoke('labels.history', { imageId: ids[0] });
    expect(history.map((e) => [e.old, e.new, e.source])).toEqual([
      [[a], [], 'human'],
      [[], [a], 'human'],
    ]);
    await expect(client.invoke('labels.set', { imageIds: [ids[0]], classIds: [a, b] })).rejects.toMatchObject({ code: 'validation' });
  });

  it('single-label toggle and remove; multi-label add, remove, toggle', async () => {
    const [a, b, c] = await threeClasses();
    await client.invoke('labels.set', { imageIds: [ids[0], ids[1]], classIds: [a], mode: 'toggle' });
    await client.invoke('labels.set', { imageIds: [ids[0]], classIds: [a], mode: 'toggle' });
    expect([labelsOf(ids[0]), labelsOf(ids[1])]).toEqual([[], [a]]);
    await client.invoke('labels.set', { imageIds: [ids[1]], classIds: [b], mode: 'add' });
    expect(labelsOf(ids[1])).toEqual([b]);
    await client.invoke('labels.configureTask', { role: 'main', mode: 'multi' });
    await client.invoke('labels.set', { imageIds: [ids[1], ids[2]], classIds: [a, c], mode: 'add' });
    expect([labelsOf(ids[1]), labelsOf(ids[2])]).toEqual([[a, b, c].sort(), [a, c]]);
    await client.invoke('labels.set', { imageIds: [ids[1], ids[2]], classIds: [c], mode: 'remove' });
    await client.invoke('labels.set', { imageIds: [ids[1], ids[2]], classIds: [b], mode: 'toggle' });
    expect([labelsOf(ids[1]), labelsOf(ids[2])]).toEqual([[a], [a, b]]);
  });

  it('names missing images and foreign classes', async () => {
    const [a] = await threeClasses();
    await expect(client.invoke('labels.set', { imageIds: [ids[0], 9999], classIds: [a] })).rejects.toMatchObject({
      code: 'not-found',
      message: expect.stringContaining('9999'),
    });
    await expect(client.invoke('labels.set', { imageIds: [ids[0]], classIds: [424242] })).rejects.toMatchObject({ code: 'validation' });
    expect(eventCount()).toBe(0);
  });

  it('answers and emits one labels.changed with the count delta and the client id; no project.changed', async () => {
    const [a, b] = await threeClasses();
    const seen: unknown[] = [];
    const projects: unknown[] = [];
    client.on('labels.changed', (p) => seen.push(p));
    client.on('project.changed', (p) => projects.push(p));
    const task = db.prepare(`SELECT id FROM tasks WHERE role = 'main'`).pluck().get() as number;
    const first = await client.invoke('labels.set', { imageIds: ids.slice(0, 3), classIds: [a], clientId: 'tab-1' });
    const counts = { total: 0, perClass: { [a]: 3 }, unlabeled: -3, excluded: 0, perSplit: {}, labelledPerTask: { [task]: 3 } };
    expect(first.counts).toEqual(counts);
    expect(first.filtered).toBeUndefined();
    const second = await client.invoke('labels.set', { imageIds: ids.slice(0, 2), classIds: [b], filter: { classIds: [a] } });
    expect(second.counts).toEqual({ total: 0, perClass: { [a]: -2, [b]: 2 }, unlabeled: 0, excluded: 0, perSplit: {}, labelledPerTask: {} });
    // Within "class a" the two images leave the filter (and the split menu's counts, which keep the class
    // filter); the class menu counts without it, so there they move from a to b.
    expect(second.filtered).toEqual({
      total: -2,
      anyClass: 0,
      perClass: { [a]: -2, [b]: 2 },
      unlabeled: 0,
      excluded: 0,
      perSplit: { none: -2 },
      labelledPerTask: { [task]: -2 },
    });
    expect(seen).toEqual([
      { imageIds: ids.slice(0, 3), counts, clientId: 'tab-1', changed: first.changed },
      { imageIds: ids.slice(0, 2), counts: second.counts, changed: second.changed },
    ]);
    expect(projects).toEqual([]);
  });
});

describe('undo and redo', () => {
  it('walks batches back and forth and restores old values', async () => {
    const [a, b] = await threeClasses();
    const one = await client.invoke('labels.set', { imageIds: ids.slice(0, 3), classIds: [a] });
    const two = await client.invoke('labels.set', { imageIds: ids.slice(1, 4), classIds: [b] });
    const undo2 = await client.invoke('labels.undo', {});
    expect(undo2.batchId).toBe(two.batchId);
    expect(undo2.changed.map((c) => [c.imageId, c.classIds])).toEqual([
      [ids[1], [a]],
      [ids[2], [a]],
      [ids[3], []],
    ]);
    const undo1 = await client.invoke('labels.undo', {});
    expect(undo1.batchId).toBe(one.batchId);
    expect(ids.slice(0, 4).map(labelsOf)).toEqual([[], [], [], []]);
    expect((await client.invoke('labels.undo', {})).batchId).toBeNull();
    expect((await client.invoke('labels.redo', {})).batchId).toBe(one.batchId);
    expect((await client.invoke('labels.redo', {})).batchId).toBe(two.batchId);
    expect(ids.slice(0, 4).map(labelsOf)).toEqual([[a], [b], [b], [b]]);
    expect((await client.invoke('labels.redo', {})).batchId).toBeNull();
    const history = await client.invoke('labels.history', { imageId: ids[1] });
    expect(history.map((e) => e.source)).toEqual(['redo', 'redo', 'undo', 'undo', 'human', 'human']);
  });

  it('a selection sent in parts (continueBatch) is one undo step', async () => {
    const [a, b] = await threeClasses();
    await client.invoke('labels.set', { imageIds: [ids[9]], classIds: [b] });
    const first = await client.invoke('labels.set', { imageIds: ids.slice(0, 3), classIds: [a] });
    const second = await client.invoke('labels.set', { imageIds: ids.slice(3, 6), classIds: [a], continueBatch: first.batchId! });
    expect(second.batchId).toBe(first.batchId);
    const undo = await client.invoke('labels.undo', {});
    expect(undo.batchId).toBe(first.batchId);
    expect(undo.changed.map((c) => c.imageId)).toEqual(ids.slice(0, 6));
    expect([...ids.slice(0, 6).map(labelsOf), labelsOf(ids[9])]).toEqual([[], [], [], [], [], [], [b]]);
  });

  it('refuses to continue an undone, unknown or non-label batch, saying what to do', async () => {
    const [a] = await threeClasses();
    const first = await client.invoke('labels.set', { imageIds: [ids[0]], classIds: [a] });
    await client.invoke('labels.undo', {});
    await expect(client.invoke('labels.set', { imageIds: [ids[1]], classIds: [a], continueBatch: first.batchId! })).rejects.toMatchObject({
      code: 'conflict',
      message: `Label batch ${first.batchId} was undone meanwhile; label the remaining images as a new action.`,
    });
    const unknown = '00000000-0000-4000-8000-000000000000';
    await expect(client.invoke('labels.set', { imageIds: [ids[1]], classIds: [a], continueBatch: unknown })).rejects.toMatchObject({ code: 'not-found' });
    await expect(client.invoke('labels.set', { imageIds: [ids[1]], classIds: [a], continueBatch: 'import-1' })).rejects.toMatchObject({
      code: 'validation',
      message: expect.stringMatching(/Continue batch must be the batchId an earlier labels.set returned/),
    });
    expect(labelsOf(ids[1])).toEqual([]);
  });

  it('a new action after undo clears the redo stack', async () => {
    const [a, b, c] = await threeClasses();
    await client.invoke('labels.set', { imageIds: [ids[0]], classIds: [a] });
    await client.invoke('labels.set', { imageIds: [ids[1]], classIds: [b] });
    await client.invoke('labels.undo', {});
    const fresh = await client.invoke('labels.set', { imageIds: [ids[2]], classIds: [c] });
    expect((await client.invoke('labels.redo', {})).batchId).toBeNull();
    expect((await client.invoke('labels.undo', {})).batchId).toBe(fresh.batchId);
    // The batch undone before the new action stays gone: redo gives back only the newest undo.
    const redo = await client.invoke('labels.redo', {});
    expect(redo.batchId).toBe(fresh.batchId);
    expect((await client.invoke('labels.redo', {})).batchId).toBeNull();
    expect([labelsOf(ids[0]), labelsOf(ids[1]), labelsOf(ids[2])]).toEqual([[a], [], [c]]);
  });

  it('undoes and redoes an import batch that touched one image twice', async () => {
    await client.invoke('labels.configureTask', { role: 'main', mode: 'multi' });
    const [a, b] = await threeClasses();
    const task = (await client.invoke('labels.tasks', {}))[0].id;
    // What the import's label writer does for a CSV naming the file twice: two events, one batch.
    db.prepare(`INSERT INTO labels (image_id, task_id, class_id, source, updated_at) VALUES (?, ?, ?, 'import', 'x'), (?, ?, ?, 'import', 'x')`).run(ids[0], task, a, ids[0], task, b);
    const event = db.prepare(`INSERT INTO label_events (at, image_id, task_id, old_value, new_value, source, batch_id) VALUES ('x', ?, ?, ?, ?, 'import', 'import-1')`);
    event.run(ids[0], task, '[]', JSON.stringify([a]));
    event.run(ids[0], task, JSON.stringify([a]), JSON.stringify([a, b].sort((x, y) => x - y)));
    const undo = await client.invoke('labels.undo', {});
    expect([undo.batchId, undo.skipped, labelsOf(ids[0])]).toEqual(['import-1', [], []]);
    await client.invoke('labels.redo', {});
    expect(labelsOf(ids[0])).toEqual([a, b].sort((x, y) => x - y));
  });

  it('skips images labelled again since the undone action', async () => {
    const [a, b] = await threeClasses();
    await client.invoke('labels.set', { imageIds: ids.slice(0, 2), classIds: [a] });
    // A model relabels image 0 directly in the table (no undoable batch), then the user undoes.
    db.prepare('UPDATE labels SET class_id = ? WHERE image_id = ?').run(b, ids[0]);
    const undo = await client.invoke('labels.undo', {});
    expect(undo.skipped).toEqual([ids[0]]);
    expect(undo.changed.map((c) => c.imageId)).toEqual([ids[1]]);
    expect([labelsOf(ids[0]), labelsOf(ids[1])]).toEqual([[b], []]);
  });
});
