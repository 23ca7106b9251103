import { describe, expect, it, vi } from 'vitest';
import type { ImageSummary } from '../../../../shared/domain/images.ts';
import type { LabelClass, LabelTask } from '../../../../shared/domain/labels.ts';
import { FakeClient } from '../testing/fake-client.ts';
import { DatasetState } from './dataset.svelte.ts';
import { keyToAction, LabellingState } from './labelling.svelte.ts';

const cls = (id: number, position: number, name: string, shortcut: string | null = null): LabelClass => ({
  id, taskId: 1, name, position, color: null, shortcut, count: 0,
});
const CLASSES = [cls(11, 0, 'normal'), cls(12, 1, 'pneumonia', 'p'), cls(13, 2, 'effusion')];
const task = (mode: 'single' | 'multi' = 'single'): LabelTask => ({ id: 1, name: 'Main labels', role: 'main', mode, classes: CLASSES, labelled: 0 });
const image = (id: number): ImageSummary => ({
  id, path: `/scans/${id}.png`, width: 64, height: 64, format: 'png', bitDepth: 8, groupId: null,
  excluded: false, split: null, labels: [], duplicateOf: null,
});

/** A fake engine with 30 images (ids 101..130, or `count` of them) that records every call. */
async function setup(mode: 'single' | 'multi' = 'single', count = 30) {
  const images = Array.from({ length: count }, (_, i) => image(101 + i));
  const client = new FakeClient({
    'images.list': ({ offset = 0, limit = 200 }) => ({ total: images.length, items: images.slice(offset, offset + limit) }),
    'images.counts': () => ({ total: 30, perClass: {}, unlabeled: 30, excluded: 0, perSplit: { train: 0, val: 0, test: 0, none: 30 } }),
    'labels.tasks': () => [task(mode)],
    'labels.set': ({ imageIds, classIds, continueBatch }) => ({ batchId: continueBatch ?? 'b1', changed: imageIds.map((imageId) => ({ imageId, taskId: 1, classIds })), skipped: [] }),
    'labels.undo': () => ({ batchId: 'b1', changed: [{ imageId: 101, taskId: 1, classIds: [] }], skipped: [] }),
    'labels.redo': () => ({ batchId: 'b1', changed: [{ imageId: 101, taskId: 1, classIds: [12] }], skipped: [] }),
    'images.exclude': ({ imageIds }) => ({ changed: imageIds.length }),
    'images.include': ({ imageIds }) => ({ changed: imageIds.length }),
  });
  const onError = vi.fn();
  const dataset = new DatasetState(client, onError);
  await dataset.setFilter({});
  dataset.columns = 5;
  const labelling = new LabellingState(client, dataset, onError);
  const press = async (key: string, mods: { shiftKey?: boolean; ctrlKey?: boolean; metaKey?: boolean } = {}) => {
    const handled = labelling.handleKey({ key, ...mods });
    await vi.waitFor(() => Promise.resolve());
    await new Promise((r) => setTimeout(r, 0));
    return handled;
  };
  const calls = (method: string) => client.calls.filter((c) => c.method === method).map((c) => c.args);
  return { client, dataset, labelling, press, calls, onError };
}

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

describe('LabellingState', () => {
  it('number keys persist the label at once and advance the cursor', async () => {
    const t = await setup();
    expect(await t.press('2')).toBe(true);
    expect(await t.press('1')).toBe(true);
    expect(t.calls('labels.set')).toEqual([
      { imageIds: [101], classIds: [12], mode: 'replace' },
      { imageIds: [102], classIds: [11], mode: 'replace' },
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
    expect(t.calls('labels.set')).toEqual([{ imageIds: [103, 104, 105, 106, 109], classIds: [13], mode: 'replace' }]);
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

  it('x excludes the cursor image and advances; x on an excluded image takes it back', async () => {
    const t = await setup();
    await t.press('x');
    expect(t.calls('images.exclude')).toEqual([{ imageIds: [101], reason: 'Excluded while labelling' }]);
    expect(t.dataset.itemAt(0)?.excluded).toBe(true);
    expect(t.dataset.cursor).toBe(1);
    t.dataset.moveTo(0);
    await t.press('x');
    expect(t.calls('images.include')).toEqual([{ imageIds: [101] }]);
    expect(t.dataset.itemAt(0)?.excluded).toBe(false);
  });

  it('multi-label mode toggles without advancing; space toggles the last class again', async () => {
    const t = await setup('multi');
    await t.press('2');
    await t.press(' ');
    expect(t.calls('labels.set')).toEqual([
      { imageIds: [101], classIds: [12], mode: 'toggle' },
      { imageIds: [101], classIds: [12], mode: 'toggle' },
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
});
