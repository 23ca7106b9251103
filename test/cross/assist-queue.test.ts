import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunConfig } from '../../shared/domain/run.ts';
import { now } from '../../electron/engine/db/database.ts';
import { savePredictions } from '../../electron/engine/evaluation/store.ts';
import { insertRun } from '../../electron/engine/runs/store.ts';
import { type TestEngine, createTestProject } from '../../electron/engine/testing/test-engine.ts';
import { seedImages } from '../../electron/engine/testing/seed-images.ts';
import { AssistQueue } from '../../renderer/src/lib/state/assist-queue.svelte.ts';
import { toasts } from '../../renderer/src/lib/state/toasts.svelte.ts';

/**
 * "Label with the model" against a real engine: the queue is the engine's uncertainty ranking,
 * accepting writes the model's class with source `model`, correcting writes a human label.
 */
let t: TestEngine;
let ids: number[];
let runId: number;
const classes = ['normal', 'effusion', 'nodule'];
const db = () => t.engine.ctx.project().db;
const fail = (e: unknown) => {
  throw e;
};

/** Entropy and margin order these differently: [1, 3, 2, 4, 0] by entropy, [2, 1, 3, 4, 0] by margin. */
const PLANTED = [
  [0.98, 0.01, 0.01],
  [0.34, 0.33, 0.33],
  [0.5, 0.5, 0],
  [0.2, 0.7, 0.1],
  [0.05, 0.15, 0.8],
];

beforeEach(async () => {
  t = await createTestProject();
  ids = seedImages(db(), PLANTED.length + 1);
  for (const name of classes) await t.client.invoke('labels.addClass', { name });
  runId = insertRun(db(), 'planted', { backbone: 'test-tiny-resnet', strategy: 'top', classes, multiLabel: false } as RunConfig, { trainable: 1, total: 1 });
  savePredictions(db(), runId, ids.slice(0, PLANTED.length), PLANTED, false, now());
});
afterEach(async () => {
  await t.dispose();
});

/** The image's current main label and who set it, straight from the project's tables. */
const labelOf = (imageId: number) =>
  db().prepare('SELECT c.name, l.source FROM labels l JOIN classes c ON c.id = l.class_id WHERE l.image_id = ?').all(imageId) as { name: string; source: string }[];
const eventsOf = (imageId: number) => db().prepare('SELECT source FROM label_events WHERE image_id = ? ORDER BY id').pluck().all(imageId);

describe('the model-assisted labelling queue', () => {
  it('follows the engine ranking, and records accepted guesses as model labels and corrections as human ones', async () => {
    const queue = new AssistQueue(t.client, fail);
    await queue.select(runId, 'margin');
    expect(queue.items.map((p) => ids.indexOf(p.imageId))).toEqual([2, 1, 3, 4, 0]);
    expect(queue.total).toBe(5);
    await queue.select(runId, 'entropy');
    expect(queue.items.map((p) => ids.indexOf(p.imageId))).toEqual([1, 3, 2, 4, 0]);
    expect(queue.current?.predictedName).toBe('normal');

    await queue.accept();
    expect(labelOf(ids[1])).toEqual([{ name: 'normal', source: 'model' }]);
    expect(eventsOf(ids[1])).toEqual(['model']);

    expect(queue.current?.imageId).toBe(ids[3]); // predicted effusion; the person says nodule
    await queue.correct('nodule');
    expect(labelOf(ids[3])).toEqual([{ name: 'nodule', source: 'human' }]);
    expect(eventsOf(ids[3])).toEqual(['human']);

    queue.skip();
    expect(queue.items.map((p) => ids.indexOf(p.imageId))).toEqual([4, 0, 2]);
    expect(queue.decisions).toEqual([
      { imageId: ids[3], className: 'nodule', source: 'human' },
      { imageId: ids[1], className: 'normal', source: 'model' },
    ]);
    // Nothing else was labelled, and the engine's own list no longer has the two decided images.
    expect(db().prepare('SELECT count(*) FROM labels').pluck().get()).toBe(2);
    const left = await t.client.invoke('predict.list', { runId, scope: 'unlabeled' });
    expect(left.total).toBe(3);
  });

  it('refills from the engine when the loaded page is done, and is empty once every prediction is decided', async () => {
    const queue = new AssistQueue(t.client, fail);
    await queue.select(runId);
    for (let k = 0; k < PLANTED.length; k++) await queue.accept();
    expect(queue.items).toEqual([]);
    expect(queue.total).toBe(0);
    expect(db().prepare("SELECT count(*) FROM labels WHERE source = 'model'").pluck().get()).toBe(5);
    expect(labelOf(ids[PLANTED.length])).toEqual([]); // the image without a prediction stays unlabelled
  });

  it("is undone by Ctrl+Z of the window that accepted it, with a toast naming it, and never by another window's", async () => {
    toasts.items = [];
    const a = new AssistQueue(t.client, fail, () => true, 'window-a');
    const b = new AssistQueue(t.client, fail, () => true, 'window-b');
    await a.select(runId);
    await b.select(runId);
    const first = a.current!.imageId;
    await a.accept();
    expect(labelOf(first)).toEqual([{ name: 'normal', source: 'model' }]);

    await b.undo();
    expect(toasts.items.at(-1)?.message).toBe('Nothing to undo in this window.');
    expect(labelOf(first)).toEqual([{ name: 'normal', source: 'model' }]);

    await a.undo();
    expect(toasts.items.at(-1)?.message).toBe('Undone: model label of 1 image.');
    expect(labelOf(first)).toEqual([]);
    expect(eventsOf(first)).toEqual(['model', 'undo']);
    expect(db().prepare('SELECT undone > 0 FROM label_events WHERE image_id = ? AND source = ?').pluck().get(first, 'model')).toBe(1);
    // The image is back at the head of the queue, and no longer among this session's decisions.
    expect(a.current?.imageId).toBe(first);
    expect(a.decisions).toEqual([]);

    await a.redo();
    expect(toasts.items.at(-1)?.message).toBe('Redone: model label of 1 image.');
    expect(labelOf(first)).toEqual([{ name: 'normal', source: 'model' }]);

    // Ctrl+Z twice in quick succession (the second while the first is under way): both are taken back, in order.
    const second = a.current!.imageId;
    await a.accept();
    const pressed = toasts.items.length;
    const one = a.undo();
    await a.undo();
    await one;
    expect(toasts.items.slice(pressed).map((t) => t.message)).toEqual(['Undone: model label of 1 image.', 'Undone: model label of 1 image.']);
    expect([labelOf(first), labelOf(second)]).toEqual([[], []]);
  });
});
