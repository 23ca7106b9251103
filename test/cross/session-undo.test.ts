import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type TestEngine, createTestProject } from '../../electron/engine/testing/test-engine.ts';
import { seedImages } from '../../electron/engine/testing/seed-images.ts';
import { DatasetState } from '../../renderer/src/lib/state/dataset.svelte.ts';
import { LabellingState } from '../../renderer/src/lib/state/labelling.svelte.ts';
import { toasts } from '../../renderer/src/lib/state/toasts.svelte.ts';

/**
 * Issue 14, point 2, between two windows (two sessions) of one real engine, wired as DatasetView
 * wires them: Ctrl+Z takes back only the window's own actions, names them in a toast, asks before
 * a bulk undo; the other window's tiles follow live. Asserts on the engine's labels and audit rows.
 */
let t: TestEngine;
let ids: number[];
let normal: number;
let opacity: number;

interface Window {
  dataset: DatasetState;
  labelling: LabellingState;
  ask: ReturnType<typeof vi.fn<(q: string) => boolean>>;
}

const settle = () => new Promise((r) => setTimeout(r, 30));
const fail = (e: unknown) => {
  throw e;
};

async function openWindow(session: string, answer: boolean): Promise<Window> {
  const dataset = new DatasetState(t.client, fail);
  t.client.on('labels.changed', (e) => dataset.onLabelsChanged(e));
  await dataset.setFilter({});
  const ask = vi.fn<(q: string) => boolean>(() => answer);
  return { dataset, labelling: new LabellingState(t.client, dataset, fail, ask, session), ask };
}

async function press(w: Window, key: string, ctrlKey = false): Promise<void> {
  w.labelling.handleKey({ key, ctrlKey });
  await settle();
}

const labelsOf = async () => Object.fromEntries((await t.client.invoke('images.list', { limit: 100 })).items.map((i) => [i.id, i.labels]));
const auditRows = () => t.engine.ctx.project().db.prepare('SELECT count(*) FROM label_events').pluck().get() as number;

beforeEach(async () => {
  t = await createTestProject();
  ids = seedImages(t.engine.ctx.project().db, 20);
  normal = (await t.client.invoke('labels.addClass', { name: 'normal' })).id;
  opacity = (await t.client.invoke('labels.addClass', { name: 'opacity' })).id;
  toasts.items = [];
});
afterEach(() => t.dispose());

describe('undo you can trust', () => {
  it("Ctrl+Z in one window never undoes the other window's label, and says what it undid", async () => {
    const a = await openWindow('window-a', true);
    const b = await openWindow('window-b', true);
    await press(a, '1');
    b.dataset.moveTo(5);
    await press(b, '2');
    // Window A's tiles follow window B's label live.
    expect(a.dataset.itemAt(5)?.labels).toEqual([opacity]);
    await press(a, 'z', true);
    expect(toasts.items.at(-1)?.message).toBe('Undone: label of 1 image.');
    await press(a, 'z', true);
    expect(toasts.items.at(-1)?.message).toBe('Nothing to undo in this window.');
    const stored = await labelsOf();
    expect(stored[ids[0]]).toEqual([]);
    expect(stored[ids[5]]).toEqual([opacity]);
    // Two labels and one undo: every step stays in the audit log.
    expect(auditRows()).toBe(3);
    expect(a.dataset.itemAt(0)?.labels).toEqual([]);
    expect(b.dataset.itemAt(0)?.labels).toEqual([]);
  });

  it('asks before undoing a bulk label, and leaves it when the answer is no', async () => {
    const no = await openWindow('window-a', false);
    await no.dataset.selectAll();
    await press(no, '1');
    expect(Object.values(await labelsOf()).filter((l) => l[0] === normal)).toHaveLength(20);
    await press(no, 'z', true);
    expect(no.ask).toHaveBeenCalledTimes(1);
    expect(no.ask.mock.calls[0][0]).toMatch(/^Undo the label of 20 images \(.+\)\? Labels made in other windows stay as they are\.$/);
    expect(Object.values(await labelsOf()).filter((l) => l[0] === normal)).toHaveLength(20);

    const yes = await openWindow('window-a', true);
    await press(yes, 'z', true);
    expect(yes.ask).toHaveBeenCalledTimes(1);
    expect(Object.values(await labelsOf()).filter((l) => l.length > 0)).toHaveLength(0);
    expect(toasts.items.at(-1)?.message).toBe('Undone: label of 20 images.');
    await press(yes, 'y', true);
    expect(Object.values(await labelsOf()).filter((l) => l[0] === normal)).toHaveLength(20);
    expect(toasts.items.at(-1)?.message).toBe('Redone: label of 20 images.');
  });
});
