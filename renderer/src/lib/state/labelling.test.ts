import { describe, expect, it, vi } from 'vitest';
import type { ImageSummary } from '../../../../shared/domain/images.ts';
import type { LabelClass, LabelTask } from '../../../../shared/domain/labels.ts';
import { type Answers, FakeClient, countsMoved } from '../testing/fake-client.ts';
import { DatasetState } from './dataset.svelte.ts';
import { keyToAction, LabellingState, viewerKeyToAction } from './labelling.svelte.ts';
import { toasts } from './toasts.svelte.ts';

const cls = (id: number, position: number, name: string, shortcut: string | null = null): LabelClass => ({
  id, taskId: 1, name, position, color: null, shortcut, count: 0,
});
const CLASSES = [cls(11, 0, 'normal'), cls(12, 1, 'pneumonia', 'p'), cls(13, 2, 'effusion')];
const task = (mode: 'single' | 'multi' = 'single'): LabelTask => ({ id: 1, name: 'Main labels', role: 'main', mode, classes: CLASSES, labelled: 0 });
const image = (id: number): ImageSummary => ({
  id, path: `/scans/${id}.png`, width: 64, height: 64, format: 'png', bitDepth: 8, groupId: null,
  excluded: false, split: null, labels: [], duplicateOf: null,
});

/** A fake engine with 30 images (ids 101..130, or `count` of them) that records every call; `answers` replace its own. */
async function setup(mode: 'single' | 'multi' = 'single', count = 30, answers: Answers = {}) {
  const images = Array.from({ length: count }, (_, i) => image(101 + i));
  const client = new FakeClient({
    'images.list': ({ offset = 0, limit = 200 }) => ({ total: images.length, items: images.slice(offset, offset + limit) }),
    'images.counts': () => ({ total: 30, anyClass: 30, perClass: {}, unlabeled: 30, excluded: 0, perSplit: { train: 0, val: 0, test: 0, none: 30 } }),
    'labels.tasks': () => [task(mode)],
    // Every image of the fake starts unlabeled, so a label adds one to its class per image.
    'labels.set': ({ imageIds, classIds, continueBatch }) => ({
      batchId: continueBatch ?? 'b1', changed: imageIds.map((imageId) => ({ imageId, taskId: 1, classIds })), skipped: [],
      ...countsMoved({ perClass: { [classIds[0]]: imageIds.length }, unlabeled: -imageIds.length, labelledPerTask: { 1: imageIds.length } }),
    }),
    'labels.undo': () => ({ batchId: 'b1', changed: [{ imageId: 101, taskId: 1, classIds: [] }], skipped: [], step: STEP, held: false, ...countsMoved({ perClass: { 12: -1 }, unlabeled: 1 }) }),
    'labels.redo': () => ({ batchId: 'b1', changed: [{ imageId: 101, taskId: 1, classIds: [12] }], skipped: [], step: STEP, held: false, ...countsMoved({ perClass: { 12: 1 }, unlabeled: -1 }) }),
    'images.exclude': ({ imageIds }) => ({ changed: imageIds.length, ...countsMoved({ excluded: imageIds.length }) }),
    'images.include': ({ imageIds }) => ({ changed: imageIds.length, ...countsMoved({ excluded: -imageIds.length }) }),
    ...answers,
  });
  const onError = vi.fn();
  const dataset = new DatasetState(client, onError);
  await dataset.setFilter({});
  dataset.columns = 5;
  const labelling = new LabellingState(client, dataset, onError, () => true);
  const press = async (key: string, mods: { shiftKey?: boolean; ctrlKey?: boolean; metaKey?: boolean } = {}) => {
    const handled = labelling.handleKey({ key, ...mods });
    await vi.waitFor(() => Promise.resolve());
    await new Promise((r) => setTimeout(r, 0));
    return handled;
  };
  const calls = (method: string) => client.calls.filter((c) => c.method === method).map((c) => c.args);
  return { client, dataset, labelling, press, calls, onError };
}

const STEP = { batchId: 'b1', source: 'human', images: 1, at: '2026-12-06T09:00:00.000Z' } as const;

describe('keyToAction', () => {
  it('maps digits to classes by position and letters to their shortcut', () => {
    expect(keyToAction({ key: '1' }, CLASSES, 'single')).toEqual({ kind: 'label', classId: 11 });
    expect(keyToAction({ key: '3' }, CLASSES, 'single')).toEqual({ kind: 'label', classId: 13 });
    expect(keyToAction({ key: '4' }, CLASSES, 'single')).toBeNull();
    expect(keyToAction({ key: 'P' }, CLASSES, 'single')).toEqual({ kind: 'label', classId: 12 });
    expect(keyToAction({ key: '2' }, CLASSES, 'multi')).toEqual({ kind: 'toggle', classId: 12 });
    expect(keyToAction({ key: ' ' }, CLASSES, 'multi')).toEqual({ kind: 'toggleActive' });
    expect(keyToAction({ key: ' ' }, CLASSES, 'single')).toBeNull();
  });

  it('maps undo, redo, arrows and exclusion', () => {
    expect(keyToAction({ key: 'z', ctrlKey: true }, CLASSES, 'single')).toEqual({ kind: 'undo' });
    expect(keyToAction({ key: 'Z', metaKey: true, shiftKey: true }, CLASSES, 'single')).toEqual({ kind: 'redo' });
    expect(keyToAction({ key: 'ArrowDown', shiftKey: true }, CLASSES, 'single')).toEqual({ kind: 'move', rows: 1, cols: 0, extend: true });
    expect(keyToAction({ key: 'x' }, CLASSES, 'single')).toEqual({ kind: 'exclude' });
    expect(keyToAction({ key: '1', altKey: true }, CLASSES, 'single')).toBeNull();
  });
});

describe('viewerKeyToAction', () => {
  it('labels like the grid and steps one image with arrows and j/k; a class may claim j', () => {
    expect(viewerKeyToAction({ key: '2' }, CLASSES, 'single')).toEqual({ kind: 'label', classId: 12 });
    expect(viewerKeyToAction({ key: 'ArrowDown' }, CLASSES, 'single')).toEqual({ kind: 'step', by: 1 });
    expect(viewerKeyToAction({ key: 'ArrowLeft' }, CLASSES, 'single')).toEqual({ kind: 'step', by: -1 });
    expect(viewerKeyToAction({ key: 'j' }, CLASSES, 'single')).toEqual({ kind: 'step', by: 1 });
    expect(viewerKeyToAction({ key: 'k' }, CLASSES, 'single')).toEqual({ kind: 'step', by: -1 });
    expect(viewerKeyToAction({ key: 'j' }, [...CLASSES, { ...CLASSES[0], id: 19, position: 3, shortcut: 'j' }], 'single')).toEqual({ kind: 'label', classId: 19 });
    expect(viewerKeyToAction({ key: 'z', ctrlKey: true }, CLASSES, 'single')).toEqual({ kind: 'undo' });
    // The viewer's own keys (exclude, close, select all) stay the viewer's.
    for (const key of ['x', 'Escape', 'Enter', 'i', 'g']) expect(viewerKeyToAction({ key }, CLASSES, 'single')).toBeNull();
    expect(viewerKeyToAction({ key: 'ArrowRight', shiftKey: true }, CLASSES, 'single')).toBeNull();
  });
});

/** What every write of the labelling view sends besides its own arguments. */
const SENT = { filter: {}, clientId: expect.stringMatching(/^view-/) };
/** Label writes also name this window's session, so its undo walks only its own actions. */
const LABEL_SENT = { ...SENT, session: expect.stringMatching(/^s-/) };

describe('LabellingState', () => {
  it('number keys persist the label at once and advance the cursor', async () => {
    const t = await setup();
    expect(await t.press('2')).toBe(true);
    expect(await t.press('1')).toBe(true);
    expect(t.calls('labels.set')).toEqual([
      { imageIds: [101], classIds: [12], mode: 'replace', ...LABEL_SENT },
      { imageIds: [102], classIds: [11], mode: 'replace', ...LABEL_SENT },
    ]);
    expect(t.dataset.cursor).toBe(2);
    expect(t.dataset.itemAt(0)?.labels).toEqual([12]);
    expect(t.dataset.itemAt(1)?.labels).toEqual([11]);
    expect(t.onError).not.toHaveBeenCalled();
  });

  it('arrows move by one cell or one row of the measured columns, clamped to the list', async () => {
    const t = await setup();
    await t.press('ArrowRight');
    await t.press('ArrowDown');
    expect(t.dataset.cursor).toBe(6);
    await t.press('ArrowUp');
    await t.press('ArrowUp');
    expect(t.dataset.cursor).toBe(0);
    t.dataset.moveTo(29);
    await t.press('ArrowRight');
    expect(t.dataset.cursor).toBe(29);
  });

  it('shift-click and shift-arrows select a range; a key then labels all of it without advancing', async () => {
    const t = await setup();
    t.dataset.select(2);
    t.dataset.select(5, { range: true });
    expect([...t.dataset.selected]).toEqual([103, 104, 105, 106]);
    t.dataset.select(8, { toggle: true });
    expect(t.dataset.selected.size).toBe(5);
    await t.press('3');
    expect(t.calls('labels.set')).toEqual([{ imageIds: [103, 104, 105, 106, 109], classIds: [13], mode: 'replace', ...LABEL_SENT }]);
    expect(t.dataset.cursor).toBe(8);
    t.dataset.moveTo(0);
    await t.press('ArrowRight', { shiftKey: true });
    await t.press('ArrowRight', { shiftKey: true });
    expect([...t.dataset.selected]).toEqual([101, 102, 103]);
  });

  it('ctrl+Z undoes and shift+ctrl+Z redoes through the engine, patching the grid', async () => {
    const t = await setup();
    await t.press('2');
    await t.press('z', { ctrlKey: true });
    expect(t.dataset.itemAt(0)?.labels).toEqual([]);
    await t.press('z', { ctrlKey: true, shiftKey: true });
    expect(t.dataset.itemAt(0)?.labels).toEqual([12]);
    expect(t.client.calls.map((c) => c.method).filter((m) => m.startsWith('labels.') && m !== 'labels.tasks')).toEqual([
      'labels.set', 'labels.undo', 'labels.redo',
    ]);
  });

  it('undoing an import that placed a split says what became of the split, and loads the grid afresh when it went back', async () => {
    const IMPORT = { batchId: 'import:j1', source: 'import', images: 8, at: '2026-12-06T09:00:00.000Z' } as const;
    const split = { file: 'labels.csv', restored: true, message: 'The split labels.csv placed was taken back too: the splits are as they were before the import.' };
    const t = await setup('single', 30, {
      'labels.undo': ({ expect }) => ({
        batchId: expect ? 'import:j1' : null, changed: expect ? [{ imageId: 101, taskId: 1, classIds: [] }] : [], skipped: [], step: IMPORT, held: !expect,
        ...(expect ? { split } : {}), ...countsMoved({ unlabeled: 1, perSplit: { test: -1, none: 1 } }),
      }),
    });
    const lists = () => t.calls('images.list').length;
    const listed = lists();
    await t.press('z', { ctrlKey: true });
    await vi.waitFor(() => expect(lists()).toBe(listed + 1));
    expect(t.calls('labels.undo')).toHaveLength(2);
    expect(toasts.items.at(-1)?.message).toBe(`Undone: import of 8 labels. ${split.message}`);
  });

  it('x excludes the cursor image and advances; x on an excluded image takes it back', async () => {
    const t = await setup();
    await t.press('x');
    expect(t.calls('images.exclude')).toEqual([{ imageIds: [101], reason: 'Excluded while labelling', ...SENT }]);
    expect(t.dataset.counts?.excluded).toBe(1);
    expect(t.dataset.itemAt(0)?.excluded).toBe(true);
    expect(t.dataset.cursor).toBe(1);
    t.dataset.moveTo(0);
    await t.press('x');
    expect(t.calls('images.include')).toEqual([{ imageIds: [101], ...SENT }]);
    expect(t.dataset.itemAt(0)?.excluded).toBe(false);
    expect(t.dataset.counts?.excluded).toBe(0);
  });

  it('multi-label mode toggles without advancing; space toggles the last class again', async () => {
    const t = await setup('multi');
    await t.press('2');
    await t.press(' ');
    expect(t.calls('labels.set')).toEqual([
      { imageIds: [101], classIds: [12], mode: 'toggle', ...LABEL_SENT },
      { imageIds: [101], classIds: [12], mode: 'toggle', ...LABEL_SENT },
    ]);
    expect(t.dataset.cursor).toBe(0);
  });

  it('select all then a key sends the ids in parts of 10,000 that share one undo batch', async () => {
    const t = await setup('single', 25_001);
    await t.press('a', { ctrlKey: true });
    expect(t.dataset.selected.size).toBe(25_001);
    await t.press('2');
    const sets = t.calls('labels.set') as { imageIds: number[]; continueBatch?: string }[];
    expect(sets.map((a) => [a.imageIds.length, a.continueBatch])).toEqual([[10_000, undefined], [10_000, 'b1'], [5_001, 'b1']]);
    expect(sets.flatMap((a) => a.imageIds)).toEqual(Array.from({ length: 25_001 }, (_, i) => 101 + i));
    expect(t.dataset.itemAt(0)?.labels).toEqual([12]);
    expect(t.onError).not.toHaveBeenCalled();
  });

  it('select all then x excludes in parts of 10,000', async () => {
    const t = await setup('single', 10_001);
    await t.press('a', { ctrlKey: true });
    await t.press('x');
    expect((t.calls('images.exclude') as { imageIds: number[] }[]).map((a) => a.imageIds.length)).toEqual([10_000, 1]);
    expect(t.dataset.itemAt(0)?.excluded).toBe(true);
  });

  it('one key is one call: the answer moves the counts once and nothing is counted again', async () => {
    const t = await setup();
    const before = t.client.calls.length;
    const countsSet = vi.spyOn(t.dataset, 'counts', 'set');
    await t.press('2');
    expect(t.client.calls.slice(before).map((c) => c.method)).toEqual(['labels.set']);
    expect(countsSet).toHaveBeenCalledTimes(1);
    expect(t.dataset.counts).toMatchObject({ total: 30, unlabeled: 29, perClass: { 12: 1 } });
    expect(t.dataset.mainTask).toMatchObject({ labelled: 1, classes: [{ count: 0 }, { id: 12, count: 1 }, { count: 0 }] });
    // Its own event comes back with its client id and is skipped.
    const { clientId } = t.calls('labels.set')[0] as { clientId: string };
    t.client.emit('labels.changed', { imageIds: [101], counts: countsMoved({ perClass: { 12: 1 } }).counts, clientId });
    expect(countsSet).toHaveBeenCalledTimes(1);
    expect(t.dataset.counts?.perClass[12]).toBe(1);
    for (const key of ['z', 'x']) {
      const from = t.client.calls.length;
      await t.press(key, { ctrlKey: key === 'z' });
      expect(t.client.calls.slice(from).map((c) => c.method)).toEqual([key === 'z' ? 'labels.undo' : 'images.exclude']);
    }
    expect(t.dataset.counts).toMatchObject({ unlabeled: 30, perClass: { 12: 0 }, excluded: 1 });
    expect(t.onError).not.toHaveBeenCalled();
  });

  it('a selection sent in parts adds up the answers of every part', async () => {
    const t = await setup('single', 25_001);
    await t.press('a', { ctrlKey: true });
    const before = t.client.calls.length;
    await t.press('2');
    expect(t.client.calls.slice(before).map((c) => c.method)).toEqual(['labels.set', 'labels.set', 'labels.set']);
    expect(t.dataset.counts?.perClass[12]).toBe(25_001);
  });

  it("other clients' events move the counts without a call; under a filter they are counted again", async () => {
    const t = await setup();
    const before = t.client.calls.length;
    t.dataset.onLabelsChanged({
      imageIds: [101],
      counts: countsMoved({ perClass: { 13: 2 }, unlabeled: -2 }).counts,
      clientId: 'another-window',
      changed: [{ imageId: 101, taskId: 1, classIds: [13] }],
    });
    t.dataset.onExcluded({ imageIds: [102], excluded: true, counts: countsMoved({ excluded: 1 }).counts });
    expect(t.client.calls.length).toBe(before);
    expect(t.dataset.counts).toMatchObject({ unlabeled: 28, excluded: 1, perClass: { 13: 2 } });
    expect(t.dataset.itemAt(1)?.excluded).toBe(true);
    // The other window's label shows on the tile at once.
    expect(t.dataset.itemAt(0)?.labels).toEqual([13]);
    expect(t.dataset.classes.find((c) => c.id === 13)?.count).toBe(2);
    // Without a delta (a class merge) or under a filter the delta cannot be applied: ask again,
    // and fetch the shown tiles again.
    const listed = t.calls('images.list').length;
    t.dataset.onLabelsChanged({ imageIds: [101] });
    await vi.waitFor(() => expect(t.calls('images.list').length).toBe(listed + 1));
    await t.dataset.setFilter({ split: 'train' });
    const counted = t.calls('images.counts').length;
    t.dataset.onLabelsChanged({ imageIds: [101], counts: countsMoved({ perClass: { 13: 1 } }).counts });
    expect(t.calls('images.counts').length).toBe(counted + 1);
  });

  it('a write answered after the filter changed does not apply its delta to the new counts', async () => {
    const t = await setup();
    let answer: () => void = () => {};
    const original = t.client.invoke.bind(t.client);
    vi.spyOn(t.client, 'invoke').mockImplementation(async (method, args) => {
      if (method === 'labels.set') await new Promise<void>((r) => (answer = r));
      return original(method, args);
    });
    const key = t.labelling.label(12, 'replace', false);
    await t.dataset.setFilter({ unlabeled: true });
    const counted = t.calls('images.counts').length;
    answer();
    await key;
    expect(t.calls('images.counts').length).toBe(counted + 1);
    expect(t.dataset.counts?.perClass[12]).toBeUndefined();
  });
});
