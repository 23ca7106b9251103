import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TestEngine, createTestProject } from '../../electron/engine/testing/test-engine.ts';
import { seedImages } from '../../electron/engine/testing/seed-images.ts';
import { NearDuplicates } from '../../renderer/src/lib/state/near-duplicates.svelte.ts';

/** The Splits view's near-duplicate sets and their bulk actions, against a real engine. */
let t: TestEngine;
let ids: number[];
const db = () => t.engine.ctx.project().db;
const fail = (e: unknown) => {
  throw e;
};
const rows = () => db().prepare('SELECT id, group_id AS g, excluded AS x, exclude_reason AS why FROM images ORDER BY id').all();

beforeEach(async () => {
  t = await createTestProject();
  // Sets: {0, 1, 2} (2 bits apart in a chain), {3, 4}; 5 stands alone.
  const phashes = ['0000000000000000', '0000000000000003', '000000000000000f', 'ffff000000000000', 'ffff000000000001', 'aaaaaaaaaaaaaaaa'];
  ids = seedImages(db(), phashes.length, { phash: (i) => phashes[i], group: (i) => (i === 4 ? 'P2' : null) });
});
afterEach(async () => t.dispose());

describe('near-duplicate sets in the UI state', () => {
  it('keeps the first image of each ticked set and excludes the rest, naming the one kept', async () => {
    let changed = 0;
    const near = new NearDuplicates(t.client, fail, () => changed++);
    await near.load();
    expect(near.page?.clusters.map((c) => c.imageIds)).toEqual([[ids[0], ids[1], ids[2]], [ids[3], ids[4]]]);
    near.toggle(0);
    await near.excludeRest();
    expect(rows()).toEqual([
      { id: ids[0], g: null, x: 0, why: null },
      { id: ids[1], g: null, x: 1, why: `near duplicate of #${ids[0]}` },
      { id: ids[2], g: null, x: 1, why: `near duplicate of #${ids[0]}` },
      { id: ids[3], g: null, x: 0, why: null },
      { id: ids[4], g: 'P2', x: 0, why: null },
      { id: ids[5], g: null, x: 0, why: null },
    ]);
    expect(changed).toBe(1);
    // The excluded images leave the sets; the selection does not point at a set that moved.
    expect(near.page?.clusters.map((c) => c.imageIds)).toEqual([[ids[3], ids[4]]]);
    expect(near.selected).toEqual([]);
    expect(near.done).toBe('Excluded 2 images; kept the first of each of 1 set.');
  });

  it('puts every set in one group, so that a split keeps it together', async () => {
    const near = new NearDuplicates(t.client, fail);
    await near.load();
    near.selectAll(true);
    await near.sameGroup();
    expect(rows().map((r) => (r as { g: string | null }).g)).toEqual([`near-${ids[0]}`, `near-${ids[0]}`, `near-${ids[0]}`, 'P2', 'P2', null]);
    const cls = await t.client.invoke('labels.addClass', { name: 'normal' });
    await t.client.invoke('labels.set', { imageIds: ids, classIds: [cls.id] });
    await t.client.invoke('splits.create', { ratios: [0.5, 0.5, 0], seed: 3 });
    const splitOf = (i: number) => db().prepare('SELECT split FROM splits WHERE image_id = ?').pluck().get(ids[i]);
    expect(new Set([0, 1, 2].map(splitOf)).size).toBe(1);
    expect(splitOf(3)).toBe(splitOf(4));
    expect((await t.client.invoke('splits.leakage', {})).near).toEqual([]);
  });
});
