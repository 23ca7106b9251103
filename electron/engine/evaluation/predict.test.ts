import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunConfig } from '../../../shared/domain/run.ts';
import { now } from '../db/database.ts';
import { fillSampleProject } from '../runs/testing/sample-project.ts';
import { insertRun } from '../runs/store.ts';
import { type TestEngine, createTestProject } from '../testing/test-engine.ts';
import { savePredictions, uncertainty } from './store.ts';

let t: TestEngine;
let ids: number[];
let runId: number;
const classes = ['normal', 'effusion', 'nodule'];
const db = () => t.engine.ctx.project().db;

/** Planted probabilities: entropy, margin and confidence order them differently on purpose. */
const PLANTED = [
  [0.98, 0.01, 0.01], // sure
  [0.34, 0.33, 0.33], // flat: highest entropy, smallest margin
  [0.5, 0.5, 0], // tie between two: margin 0, yet less entropy than [0.2, 0.7, 0.1]
  [0.2, 0.7, 0.1],
  [0.05, 0.15, 0.8],
];

beforeEach(async () => {
  t = await createTestProject();
  ids = (await fillSampleProject(db(), t.projectDir, { perClass: 2, classes })).imageIds.slice(0, PLANTED.length);
  runId = insertRun(db(), 'planted', { backbone: 'test-tiny-resnet', strategy: 'top', classes, multiLabel: false } as RunConfig, { trainable: 1, total: 1 });
  savePredictions(db(), runId, ids, PLANTED, false, now());
  // Images 1-4 are the unlabeled ones; image 0 keeps its human label (normal).
  db().prepare(`DELETE FROM labels WHERE image_id IN (${ids.slice(1).join(',')})`).run();
});
afterEach(async () => {
  await t.dispose();
});

describe('predict.list', () => {
  it('ranks by entropy, margin and confidence, most informative first', async () => {
    const order = async (sort: 'entropy' | 'margin' | 'confidence') =>
      (await t.client.invoke('predict.list', { runId, sort, scope: 'all' })).items.map((p) => ids.indexOf(p.imageId));
    // Entropies: 1.0986 (flat), 0.8018 ([.2,.7,.1]), 0.6931 (tie), 0.6129, 0.1119.
    expect(await order('entropy')).toEqual([1, 3, 2, 4, 0]);
    expect(await order('margin')).toEqual([2, 1, 3, 4, 0]);
    expect(await order('confidence')).toEqual([1, 2, 3, 4, 0]);
    const unlabeled = await t.client.invoke('predict.list', { runId, sort: 'confidence' });
    expect(unlabeled.total).toBe(4);
    expect(unlabeled.items.map((p) => ids.indexOf(p.imageId))).toEqual([1, 2, 3, 4]); // the labelled image 0 is left out
    const page = await t.client.invoke('predict.list', { runId, sort: 'margin', scope: 'all', limit: 2, offset: 1 });
    expect(page.total).toBe(5);
    expect(page.items.map((p) => ids.indexOf(p.imageId))).toEqual([1, 3]);
    const flat = page.items[0];
    expect(flat).toMatchObject({ predictedClass: 0, predictedName: 'normal', confidence: 0.34 });
    expect(flat.margin).toBeCloseTo(0.01, 12);
    expect(flat.entropy).toBeCloseTo(-(0.34 * Math.log(0.34) + 2 * 0.33 * Math.log(0.33)), 12);
  });

  it('computes multi-label uncertainty per label', () => {
    const u = uncertainty([0.9, 0.4, 0.1], true);
    const h = (p: number) => -(p * Math.log(p) + (1 - p) * Math.log(1 - p));
    expect(u.entropy).toBeCloseTo(h(0.9) + h(0.4) + h(0.1), 12);
    expect(u.margin).toBeCloseTo(0.2, 12);
  });
});

describe('predict.accept', () => {
  it('labels images as predicted through the labels code with source model', async () => {
    const [a, b, c] = [ids[3], ids[4], ids[0]]; // predicted effusion, nodule, normal (c is already labelled normal)
    const changed: number[][] = [];
    t.client.on('labels.changed', (e) => changed.push(e.imageIds));
    const before = (db().prepare('SELECT max(id) FROM label_events').pluck().get() as number | null) ?? 0;
    const res = await t.client.invoke('predict.accept', { runId, imageIds: [a, b, c] });
    expect(res.accepted).toBe(2);
    expect(res.unchanged).toBe(1);
    expect(res.batchIds).toHaveLength(1);
    const events = db()
      .prepare(`SELECT e.image_id, e.source, e.new_value FROM label_events e WHERE e.id > ? ORDER BY e.image_id`)
      .all(before) as { image_id: number; source: string; new_value: string }[];
    const classId = (name: string) => db().prepare('SELECT id FROM classes WHERE name = ?').pluck().get(name) as number;
    expect(events).toEqual([
      { image_id: a, source: 'model', new_value: JSON.stringify([classId('effusion')]) },
      { image_id: b, source: 'model', new_value: JSON.stringify([classId('nodule')]) },
    ].sort((x, y) => x.image_id - y.image_id));
    const labels = db().prepare(`SELECT image_id, class_id, source FROM labels WHERE image_id IN (?, ?) ORDER BY image_id`).all(a, b);
    expect(labels).toEqual([
      { image_id: a, class_id: classId('effusion'), source: 'model' },
      { image_id: b, class_id: classId('nodule'), source: 'model' },
    ].sort((x, y) => x.image_id - y.image_id));
    expect(changed.flat().sort()).toEqual([a, b].sort());
    // One undo takes back the whole acceptance: both predicted classes are one batch.
    const undo = await t.client.invoke('labels.undo', {});
    expect(undo.step).toMatchObject({ source: 'model', images: 2 });
    expect(db().prepare('SELECT count(*) FROM labels WHERE source = ?').pluck().get('model')).toBe(0);
  });

  it('marks accepted labels with their run in the image list, the label history and a source filter', async () => {
    const [a, human] = [ids[3], ids[0]];
    const res = await t.client.invoke('predict.accept', { runId, imageIds: [a] });
    expect(res.accepted).toBe(1);
    const list = async (filter = {}) => (await t.client.invoke('images.list', { filter, limit: 100 })).items;
    const byId = new Map((await list()).map((i) => [i.id, i]));
    expect(byId.get(a)?.fromModel).toEqual({ runId });
    expect(byId.get(human)?.labels.length).toBe(1);
    expect(byId.get(human)?.fromModel).toBeUndefined();
    expect((await t.client.invoke('images.get', { id: a })).fromModel).toEqual({ runId });
    expect((await list({ labelSource: 'model' })).map((i) => i.id)).toEqual([a]);
    expect((await t.client.invoke('images.counts', { filter: { labelSource: 'model' } })).total).toBe(1);
    const [event] = await t.client.invoke('labels.history', { imageId: a });
    expect(event).toMatchObject({ source: 'model', runId });
    // A person correcting the guess makes it a human label again; undo and redo bring the run's guess back.
    const normal = db().prepare(`SELECT id FROM classes WHERE name = 'normal'`).pluck().get() as number;
    const set = await t.client.invoke('labels.set', { imageIds: [a], classIds: [normal] });
    expect(set.changed[0].model).toBeUndefined();
    expect((await list({ labelSource: 'model' })).map((i) => i.id)).toEqual([]);
    await t.client.invoke('labels.undo', {});
    await t.client.invoke('labels.undo', {});
    const redo = await t.client.invoke('labels.redo', {});
    expect(redo.changed).toEqual([{ imageId: a, taskId: expect.any(Number), classIds: expect.any(Array), model: { runId } }]);
    expect(db().prepare('SELECT source, run_id FROM labels WHERE image_id = ?').get(a)).toEqual({ source: 'model', run_id: runId });
    expect((await t.client.invoke('labels.history', { imageId: a }))[0]).toMatchObject({ source: 'redo', runId });
  });

  it("is undone by the accepting session's undo only, as one named step", async () => {
    const [a, b] = [ids[3], ids[4]];
    const res = await t.client.invoke('predict.accept', { runId, imageIds: [a, b], session: 'window-a' });
    expect(db().prepare('SELECT session FROM label_batches WHERE batch_id = ?').pluck().get(res.batchIds[0])).toBe('window-a');
    expect((await t.client.invoke('labels.undoPreview', { session: 'window-a' })).undo).toMatchObject({ batchId: res.batchIds[0], source: 'model', images: 2 });
    const other = await t.client.invoke('labels.undo', { session: 'window-b' });
    expect([other.batchId, other.step]).toEqual([null, null]);
    expect(db().prepare(`SELECT count(*) FROM labels WHERE source = 'model'`).pluck().get()).toBe(2);
    const own = await t.client.invoke('labels.undo', { session: 'window-a', askAbove: 1, expect: res.batchIds[0] });
    expect(own.changed.map((c) => [c.imageId, c.classIds])).toEqual([[a, []], [b, []]].sort((x, y) => (x[0] as number) - (y[0] as number)));
    expect(db().prepare(`SELECT count(*) FROM labels WHERE image_id IN (?, ?)`).pluck().get(a, b)).toBe(0);
    // The audit log keeps the acceptance (marked undone) and the undo.
    const events = db().prepare('SELECT source, undone > 0 AS undone FROM label_events WHERE image_id = ? ORDER BY id').all(a);
    expect(events).toEqual([{ source: 'model', undone: 1 }, { source: 'undo', undone: 0 }]);
    const redo = await t.client.invoke('labels.redo', { session: 'window-a' });
    expect(redo.step).toMatchObject({ source: 'model', images: 2 });
  });

  it('refuses to predict or evaluate with a run that has no checkpoint yet', async () => {
    await expect(t.client.invoke('predict.start', { runId })).rejects.toMatchObject({ code: 'validation', message: `Run ${runId} has no checkpoint yet: let it train at least one epoch first.` });
    db().prepare(`UPDATE splits SET split = 'test' WHERE image_id = ?`).run(ids[0]);
    await expect(t.client.invoke('eval.run', { runId })).rejects.toMatchObject({ code: 'validation', message: expect.stringContaining('no checkpoint yet') });
    await expect(t.client.invoke('eval.get', { runId })).resolves.toBeNull();
  });

  it('refuses images without a prediction and runs whose class was deleted, naming them', async () => {
    await expect(t.client.invoke('predict.accept', { runId, imageIds: [ids[0], 999] })).rejects.toMatchObject({
      code: 'validation',
      message: expect.stringContaining('no prediction for image(s) 999'),
    });
    db().prepare(`UPDATE classes SET name = 'nodule (old)' WHERE name = 'nodule'`).run();
    await expect(t.client.invoke('predict.accept', { runId, imageIds: [ids[4]] })).rejects.toMatchObject({
      code: 'validation',
      message: expect.stringContaining('"nodule"'),
    });
  });
});
