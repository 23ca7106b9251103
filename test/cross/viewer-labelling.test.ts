import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TestEngine, createTestProject } from '../../electron/engine/testing/test-engine.ts';
import { seedImages } from '../../electron/engine/testing/seed-images.ts';
import { DatasetState } from '../../renderer/src/lib/state/dataset.svelte.ts';
import { LabellingState } from '../../renderer/src/lib/state/labelling.svelte.ts';

/**
 * Issue 14, point 1: the viewer labels with the grid's keys and steps through the current filter's
 * order, wired as DatasetView wires it, against a real engine. Asserts on what the engine stored.
 */
let t: TestEngine;
let ids: number[];
let classes: { normal: number; opacity: number };
let dataset: DatasetState;
let labelling: LabellingState;

const settle = () => new Promise((r) => setTimeout(r, 20));
const fail = (e: unknown) => {
  throw e;
};

beforeEach(async () => {
  t = await createTestProject();
  ids = seedImages(t.engine.ctx.project().db, 12);
  classes = {
    normal: (await t.client.invoke('labels.addClass', { name: 'normal' })).id,
    opacity: (await t.client.invoke('labels.addClass', { name: 'opacity', shortcut: 'o' })).id,
  };
  dataset = new DatasetState(t.client, fail);
  labelling = new LabellingState(t.client, dataset, fail);
});
afterEach(() => t.dispose());

async function press(key: string): Promise<void> {
  expect(labelling.handleViewerKey({ key })).toBe(true);
  await settle();
}

const labelsOf = async (filter = {}) =>
  Object.fromEntries((await t.client.invoke('images.list', { filter, limit: 100 })).items.map((i) => [i.id, i.labels]));

describe('labelling in the viewer', () => {
  it('labels the shown image, advances, and steps back and forth with arrows and j/k', async () => {
    await dataset.setFilter({});
    labelling.openAt(2);
    expect(labelling.viewing).toBe(ids[2]);
    await press('2');
    expect(dataset.current?.id).toBe(ids[3]);
    await press('o');
    await press('k');
    await press('ArrowLeft');
    expect(dataset.current?.id).toBe(ids[2]);
    await press('1');
    await press('ArrowRight');
    await press('j');
    expect(dataset.cursor).toBe(5);
    // Keys that are not the viewer's are left to it (Escape closes, i inverts).
    expect(labelling.handleViewerKey({ key: 'Escape' })).toBe(false);
    expect(labelling.handleViewerKey({ key: 'i' })).toBe(false);

    const stored = await labelsOf();
    expect(stored[ids[2]]).toEqual([classes.normal]);
    expect(stored[ids[3]]).toEqual([classes.opacity]);
    expect(Object.values(stored).filter((l) => l.length > 0)).toHaveLength(2);
    // Each key is one audit row.
    const audit = await t.client.invoke('labels.history', { imageId: ids[2] });
    expect(audit.map((e) => [e.old, e.new, e.source])).toEqual([
      [[classes.opacity], [classes.normal], 'human'],
      [[], [classes.opacity], 'human'],
    ]);
  });

  it('follows the filter\'s order: under "unlabeled" the next image is the next unlabeled one', async () => {
    await t.client.invoke('labels.set', { imageIds: [ids[1], ids[2]], classIds: [classes.normal] });
    await dataset.setFilter({ unlabeled: true });
    labelling.openAt(0);
    expect(labelling.viewing).toBe(ids[0]);
    await press('2');
    // ids[1] and ids[2] are labelled already: the viewer moves on to ids[3].
    expect(dataset.current?.id).toBe(ids[3]);
    expect(dataset.total).toBe(10);
    await press('j');
    expect(dataset.current?.id).toBe(ids[4]);
    expect((await labelsOf())[ids[0]]).toEqual([classes.opacity]);
  });

  it('undoes its own label with ctrl+Z', async () => {
    await dataset.setFilter({});
    labelling.openAt(0);
    await press('1');
    expect(labelling.handleViewerKey({ key: 'z', ctrlKey: true })).toBe(true);
    await settle();
    expect((await labelsOf())[ids[0]]).toEqual([]);
  });
});
