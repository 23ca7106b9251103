import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { encodeGrey16Png } from '../../imaging/png16.ts';
import type { EngineClient } from '../../../shared/contract/index.ts';
import type { Database } from '../db/database.ts';
import { type TestEngine, createTestProject } from '../testing/test-engine.ts';
import { seedImages } from '../testing/seed-images.ts';
import { mulberry32 } from '../../../shared/random.ts';

let t: TestEngine;
let client: EngineClient;
let db: Database;
let ids: number[];
let normal: number;
let opacity: number;
const random = mulberry32(3);
const randomHex = () => Array.from({ length: 4 }, () => Math.floor(random() * 65536).toString(16).padStart(4, '0')).join('');

// 12 images: groups of 3 (P0..P3); image 4 duplicates image 1 (same hash), images 7 and 8 have near phashes.
beforeAll(async () => {
  t = await createTestProject();
  client = t.client;
  db = t.engine.ctx.project().db;
  ids = seedImages(db, 12, {
    group: (i) => `P${Math.floor(i / 3)}`,
    hash: (i) => (i === 4 ? 'hash-1' : `hash-${i}`),
    duplicateOf: (i) => (i === 4 ? 1 : null),
    phash: (i) => (i === 7 ? '00000000000000ff' : i === 8 ? '000000000000003f' : randomHex()),
  });
  normal = (await client.invoke('labels.addClass', { name: 'normal' })).id;
  opacity = (await client.invoke('labels.addClass', { name: 'opacity' })).id;
  await client.invoke('labels.set', { imageIds: ids.slice(0, 5), classIds: [normal] });
  await client.invoke('labels.set', { imageIds: ids.slice(5, 9), classIds: [opacity] });
  await client.invoke('images.exclude', { imageIds: [ids[2], ids[11]], reason: 'blurred' });
  db.prepare(`INSERT INTO splits (image_id, split, assigned_at) VALUES (?, 'train', 'x'), (?, 'test', 'x')`).run(ids[0], ids[5]);
});
afterAll(() => t.dispose());

const listIds = async (filter: object, extra: object = {}) => (await client.invoke('images.list', { filter, limit: 1000, ...extra })).items.map((i) => i.id);

describe('images.list', () => {
  it('pages with a total and returns summaries with labels and split', async () => {
    const page = await client.invoke('images.list', { sort: 'path', descending: true, offset: 2, limit: 3 });
    expect(page.total).toBe(12);
    expect(page.items.map((i) => i.id)).toEqual([ids[9], ids[8], ids[7]]);
    const first = (await client.invoke('images.list', { limit: 1 })).items[0];
    expect(first).toEqual({
      id: ids[0],
      path: '/data/img-000000.png',
      width: 64,
      height: 64,
      format: 'png',
      bitDepth: 16,
      groupId: 'P0',
      excluded: false,
      split: 'train',
      labels: [normal],
      duplicateOf: null,
    });
  });

  it('filters by class, unlabeled, split, excluded, group, duplicates and search', async () => {
    expect(await listIds({ classIds: [opacity] })).toEqual(ids.slice(5, 9));
    expect(await listIds({ unlabeled: true })).toEqual(ids.slice(9));
    expect(await listIds({ unlabeled: false, excluded: false })).toEqual([0, 1, 3, 4, 5, 6, 7, 8].map((i) => ids[i]));
    expect(await listIds({ split: 'test' })).toEqual([ids[5]]);
    expect((await listIds({ split: 'none' })).length).toBe(10);
    expect(await listIds({ excluded: true })).toEqual([ids[2], ids[11]]);
    expect(await listIds({ groupId: 'P1' })).toEqual(ids.slice(3, 6));
    expect(await listIds({ duplicates: 'exact' })).toEqual([ids[1], ids[4]]);
    expect(await listIds({ duplicates: 'near' })).toEqual([ids[7], ids[8]]);
    expect(await listIds({ duplicates: 'any' })).toEqual([ids[1], ids[4], ids[7], ids[8]]);
    expect(await listIds({ search: 'img-00001' })).toEqual([ids[10], ids[11]]);
    expect(await listIds({ search: '100%' })).toEqual([]);
    expect(await listIds({ search: 'p3' })).toEqual(ids.slice(9));
  });

  it('refuses pages over 1000', async () => {
    await expect(client.invoke('images.list', { limit: 5000 })).rejects.toMatchObject({ code: 'validation', message: expect.stringContaining('1000') });
  });
});

describe('images.locate', () => {
  it('answers where an image stands in the list that the same filter and sort page through, null where it is not in it', async () => {
    const locate = async (id: number, extra: object = {}) => (await client.invoke('images.locate', { id, ...extra })).position;
    expect(await locate(ids[7])).toBe(7);
    const byPath = await listIds({}, { sort: 'path', descending: true });
    expect(await locate(ids[7], { sort: 'path', descending: true })).toBe(byPath.indexOf(ids[7]));
    expect(byPath.indexOf(ids[7])).toBe(4);
    const opacities = await listIds({ classIds: [opacity] });
    expect(await locate(ids[7], { filter: { classIds: [opacity] } })).toBe(opacities.indexOf(ids[7]));
    expect(opacities.indexOf(ids[7])).toBe(2);
    expect(await locate(ids[0], { filter: { classIds: [opacity] } })).toBeNull();
    expect(await locate(999_999)).toBeNull();
  });
});

describe('images.counts', () => {
  it('counts per class, unlabeled, excluded and split for a filter', async () => {
    expect(await client.invoke('images.counts', {})).toEqual({
      total: 12,
      anyClass: 12,
      perClass: { [normal]: 5, [opacity]: 4 },
      unlabeled: 3,
      excluded: 2,
      perSplit: { train: 1, val: 0, test: 1, none: 10 },
    });
    expect(await client.invoke('images.counts', { filter: { groupId: 'P0' } })).toEqual({
      total: 3,
      anyClass: 3,
      perClass: { [normal]: 3 },
      unlabeled: 0,
      excluded: 1,
      perSplit: { train: 1, val: 0, test: 0, none: 2 },
    });
  });
});

describe('images.counts under a filter (faceted)', () => {
  // Each menu counts what choosing its option would show with the other filters kept: the class
  // menu ignores the class filter, the split menu the split filter, "Excluded only" the excluded one.
  it('counts the classes with the split filter on, and the splits with the class filter on', async () => {
    expect(await client.invoke('images.counts', { filter: { classIds: [normal] } })).toEqual({
      total: 5,
      anyClass: 12,
      perClass: { [normal]: 5, [opacity]: 4 },
      unlabeled: 3,
      excluded: 1,
      perSplit: { train: 1, val: 0, test: 0, none: 4 },
    });
    expect(await client.invoke('images.counts', { filter: { split: 'train' } })).toEqual({
      total: 1,
      anyClass: 1,
      perClass: { [normal]: 1 },
      unlabeled: 0,
      excluded: 0,
      perSplit: { train: 1, val: 0, test: 1, none: 10 },
    });
  });

  it('keeps every other filter in each facet', async () => {
    expect(await client.invoke('images.counts', { filter: { unlabeled: true, split: 'none' } })).toEqual({
      total: 3,
      anyClass: 10,
      perClass: { [normal]: 4, [opacity]: 3 },
      unlabeled: 3,
      excluded: 1,
      perSplit: { train: 0, val: 0, test: 0, none: 3 },
    });
    expect(await client.invoke('images.counts', { filter: { excluded: true, groupId: 'P0' } })).toEqual({
      total: 1,
      anyClass: 1,
      perClass: { [normal]: 1 },
      unlabeled: 0,
      excluded: 1,
      perSplit: { train: 0, val: 0, test: 0, none: 1 },
    });
    expect(await client.invoke('images.counts', { filter: { duplicates: 'near', classIds: [normal] } })).toEqual({
      total: 0,
      anyClass: 2,
      perClass: { [opacity]: 2 },
      unlabeled: 0,
      excluded: 0,
      perSplit: { train: 0, val: 0, test: 0, none: 0 },
    });
  });
});

describe('images.get, exclude, include', () => {
  it('returns all metadata with labels, split and exact duplicates', async () => {
    const img = await client.invoke('images.get', { id: ids[4] });
    expect(img).toMatchObject({ id: ids[4], hash: 'hash-1', duplicateOf: ids[1], labels: [normal], split: null, exactDuplicates: [ids[1]], metadata: {} });
    const original = await client.invoke('images.get', { id: ids[1] });
    expect(original.exactDuplicates).toEqual([ids[4]]);
    const excluded = await client.invoke('images.get', { id: ids[2] });
    expect(excluded).toMatchObject({ excluded: true, excludeReason: 'blurred' });
    await expect(client.invoke('images.get', { id: 424242 })).rejects.toMatchObject({ code: 'not-found' });
  });

  it('include takes images back and counts only real changes', async () => {
    const events: unknown[] = [];
    client.on('images.excluded', (e) => events.push(e));
    const moved = (excluded: number) => ({ total: 0, perClass: {}, unlabeled: 0, excluded, perSplit: {}, labelledPerTask: {} });
    expect(await client.invoke('images.include', { imageIds: [ids[11], ids[10]], clientId: 'c' })).toEqual({ changed: 1, counts: moved(-1) });
    expect(await client.invoke('images.exclude', { imageIds: [ids[11]], reason: 'blurred', filter: { excluded: false } })).toEqual({
      changed: 1,
      counts: moved(1),
      // Faceted: "Excluded only" counts without the excluded filter, so the image moves into it.
      filtered: { ...moved(1), total: -1, anyClass: -1, perSplit: { none: -1 }, unlabeled: -1 },
    });
    expect(await client.invoke('images.exclude', { imageIds: [ids[11]], reason: 'blurred' })).toEqual({ changed: 0, counts: moved(0) });
    expect(events).toEqual([
      { imageIds: [ids[11], ids[10]], excluded: false, counts: moved(-1), clientId: 'c' },
      { imageIds: [ids[11]], excluded: true, counts: moved(1) },
    ]);
    await expect(client.invoke('images.exclude', { imageIds: [ids[11]], reason: ' ' })).rejects.toMatchObject({ code: 'validation' });
  });
});

describe('images.levels', () => {
  it('reads the value spread of a 16-bit radiograph from its file', async () => {
    // A 64x64 16-bit ramp from 2000 to 2000 + 4095 * 10: the viewer's percentile presets come from it.
    const px = new Uint16Array(64 * 64).map((_, i) => 2000 + i * 10);
    const file = join(t.tmp, 'ramp16.png');
    writeFileSync(file, encodeGrey16Png(64, 64, px));
    db.prepare('UPDATE images SET path = ? WHERE id = ?').run(file, ids[3]);
    const levels = await client.invoke('images.levels', { id: ids[3] });
    expect(levels.min).toBe(2000);
    expect(levels.max).toBe(2000 + 4095 * 10);
    expect(levels.percentiles).toHaveLength(101);
    expect(levels.percentiles[50]).toBeCloseTo(2000 + 2048 * 10, -2);
  });

  it('names a missing image', async () => {
    await expect(client.invoke('images.levels', { id: 999_999 })).rejects.toThrow(/999999/);
  });
});
