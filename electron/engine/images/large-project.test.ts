import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineClient } from '../../../shared/contract/index.ts';
import type { Database } from '../db/database.ts';
import { mulberry32 } from '../../../shared/random.ts';
import { type TestEngine, createTestProject } from '../testing/test-engine.ts';
import { seedImages, seedLabels } from '../testing/seed-images.ts';

/**
 * 100,000 images: patients of 4, every 1000th image an exact duplicate of the one before, 20
 * planted near-duplicate pairs, every 50th excluded, labels 60/20/10% with 10% unlabelled.
 * Asserts totals and counts; prints the query times (not asserted: CI machines vary).
 */
const N = 100_000;
let t: TestEngine;
let client: EngineClient;
let db: Database;
let ids: number[];
let classes: number[];
const times: Record<string, string> = {};

/** Wall time and this process's CPU time (the fairer figure on a busy shared machine). */
async function timed<T>(name: string, f: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const result = await f();
  const used = process.cpuUsage(cpu);
  times[name] = `${Math.round(performance.now() - start)} wall / ${Math.round((used.user + used.system) / 1000)} cpu`;
  return result;
}

const classOf = (i: number) => (i % 10 < 6 ? 0 : i % 10 < 8 ? 1 : i % 10 < 9 ? 2 : -1);
const isDuplicate = (i: number) => i % 1000 === 999;
const isNearCopy = (i: number) => i % 5000 === 4999 - 2;

function phashes(): string[] {
  const random = mulberry32(2026);
  const hex = () => Math.floor(random() * 2 ** 32).toString(16).padStart(8, '0');
  const out: string[] = [];
  for (let i = 0; i < N; i++) {
    if (isDuplicate(i)) out.push(out[i - 1]);
    else if (isNearCopy(i)) out.push(out[i - 1].slice(0, 15) + (parseInt(out[i - 1][15], 16) ^ 0x7).toString(16));
    else out.push(hex() + hex());
  }
  return out;
}

async function seed(): Promise<void> {
  const ph = phashes();
  ids = seedImages(db, N, {
    group: (i) => `P${Math.floor(i / 4)}`,
    hash: (i) => `hash-${isDuplicate(i) ? i - 1 : i}`,
    duplicateOf: (i) => (isDuplicate(i) ? i - 1 : null),
    phash: (i) => ph[i],
    excluded: (i) => i % 50 === 0,
  });
  classes = [];
  for (const name of ['normal', 'opacity', 'effusion']) classes.push((await client.invoke('labels.addClass', { name })).id);
  const task = db.prepare(`SELECT id FROM tasks WHERE role = 'main'`).pluck().get() as number;
  seedLabels(
    db,
    task,
    ids.flatMap((id, i) => (classOf(i) >= 0 ? [[id, classes[classOf(i)]] as [number, number]] : [])),
  );
}

beforeAll(async () => {
  t = await createTestProject();
  client = t.client;
  db = t.engine.ctx.project().db;
  await timed('seed 100k rows + 90k labels', seed);
  await timed('splits.create', () => client.invoke('splits.create', { seed: 1 }));
}, 120_000);

afterAll(async () => {
  console.log(`[100k images] times in ms:\n${Object.entries(times).map(([k, v]) => `  ${k.padEnd(36)} ${v}`).join('\n')}`);
  await t.dispose();
});

const total = async (name: string, filter: object) => (await timed(name, () => client.invoke('images.list', { filter, limit: 50 }))).total;

describe('queries on 100,000 images', () => {
  it('counts the right totals for each filter', async () => {
    expect(await total('list all', {})).toBe(N);
    expect(await total('list class', { classIds: [classes[2]] })).toBe(N / 10);
    expect(await total('list unlabeled', { unlabeled: true, excluded: false })).toBe(N / 10);
    expect(await total('list excluded', { excluded: true })).toBe(N / 50);
    expect(await total('list group', { groupId: 'P123' })).toBe(4);
    expect(await total('list exact dups', { duplicates: 'exact' })).toBe(200);
    expect(await total('list near dups (first, computes)', { duplicates: 'near' })).toBe(40);
    expect(await total('list near dups (cached)', { duplicates: 'near' })).toBe(40);
    expect(await total('list search', { search: 'img-0123' })).toBe(100);
    expect(await total('list no split', { split: 'none' })).toBe(N / 50);
    const train = await total('list train', { split: 'train' });
    const val = await total('list val', { split: 'val' });
    const test = await total('list test + class', { split: 'test', classIds: [classes[0]] });
    expect(train).toBeGreaterThan(0.68 * 98_000);
    expect(val).toBeGreaterThan(0.13 * 98_000);
    expect(test).toBeGreaterThan(0.13 * 58_000);
  });

  it('pages in every sort order', async () => {
    const last = await timed('page path desc, offset 99990', () => client.invoke('images.list', { sort: 'path', descending: true, offset: N - 10, limit: 10 }));
    expect(last.items.map((i) => i.id)).toEqual(ids.slice(0, 10).reverse());
    const newest = await timed('page imported desc', () => client.invoke('images.list', { sort: 'imported', descending: true, limit: 1000 }));
    expect(newest.items[0].id).toBe(ids[N - 1]);
    expect(newest.items).toHaveLength(1000);
    const byGroup = await timed('page group, offset 50000', () => client.invoke('images.list', { sort: 'group', offset: 50_000, limit: 4 }));
    expect(new Set(byGroup.items.map((i) => i.groupId)).size).toBe(1);
    const page = await timed('page class filter, offset 9000', () =>
      client.invoke('images.list', { filter: { classIds: [classes[1]] }, sort: 'path', offset: 9000, limit: 1000 }),
    );
    expect(page.items.every((i) => i.labels[0] === classes[1])).toBe(true);
  });

  it('counts per class, unlabeled, excluded and split', async () => {
    const all = await timed('counts all', () => client.invoke('images.counts', {}));
    expect(all.perClass).toEqual({ [classes[0]]: 60_000, [classes[1]]: 20_000, [classes[2]]: 10_000 });
    expect([all.total, all.unlabeled, all.excluded, all.perSplit.none]).toEqual([N, N / 10, N / 50, N / 50]);
    expect(all.perSplit.train + all.perSplit.val + all.perSplit.test).toBe(98_000);
    const normal = await timed('counts class filter', () => client.invoke('images.counts', { filter: { classIds: [classes[0]] } }));
    // Faceted: the class menu counts without the class filter, the others within it.
    expect([normal.total, normal.anyClass, normal.excluded, normal.unlabeled, normal.perClass[classes[1]]]).toEqual([60_000, N, 2000, N / 10, 20_000]);
    const train = await timed('counts split + excluded filter', () => client.invoke('images.counts', { filter: { split: 'train', excluded: false } }));
    expect(train.perSplit).toEqual({ ...all.perSplit, none: 0 }); // the excluded images are the ones without a split
    expect(train.perClass[classes[0]]).toBe(train.total - train.unlabeled - (train.perClass[classes[1]] ?? 0) - (train.perClass[classes[2]] ?? 0));
  });

  it('labels, undoes and reports leakage at this size', async () => {
    const some = ids.slice(1, 20_001);
    const set = await timed('labels.set 20k', () => client.invoke('labels.set', { imageIds: some, classIds: [classes[2]] }));
    expect(set.changed).toHaveLength(some.filter((_, i) => classOf(i + 1) !== 2).length);
    const undo = await timed('labels.undo 20k', () => client.invoke('labels.undo', {}));
    expect(undo.changed).toHaveLength(set.changed.length);
    const leakage = await timed('splits.leakage', () => client.invoke('splits.leakage', {}));
    expect(leakage.groups).toEqual([]);
    const splitOf = new Map((db.prepare('SELECT image_id, split FROM splits').all() as { image_id: number; split: string }[]).map((r) => [r.image_id, r.split]));
    const crossing = ids.filter((id, i) => isDuplicate(i) && splitOf.has(id) && splitOf.has(ids[i - 1]) && splitOf.get(id) !== splitOf.get(ids[i - 1]));
    // Duplicates sit in the same patient as their original, so grouping already keeps them together.
    expect(leakage.exact).toHaveLength(crossing.length);
    expect(crossing).toHaveLength(0);
    expect(leakage.withoutPhash).toBe(0);
  });
});
