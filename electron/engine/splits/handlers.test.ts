import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineClient } from '../../../shared/contract/index.ts';
import type { Database } from '../db/database.ts';
import { type TestEngine, createTestProject } from '../testing/test-engine.ts';
import { seedImages, seedLabels } from '../testing/seed-images.ts';
import { mulberry32 } from '../../../shared/random.ts';

let t: TestEngine;
let client: EngineClient;
let db: Database;
let classIds: number[];

beforeEach(async () => {
  t = await createTestProject();
  client = t.client;
  db = t.engine.ctx.project().db;
  classIds = [];
  for (const name of ['normal', 'opacity', 'effusion']) classIds.push((await client.invoke('labels.addClass', { name })).id);
});
afterEach(() => t.dispose());

const mainTask = () => db.prepare(`SELECT id FROM tasks WHERE role = 'main'`).pluck().get() as number;
const assignments = () => db.prepare('SELECT image_id, split FROM splits ORDER BY image_id').all() as { image_id: number; split: string }[];
const splitOf = (id: number) => db.prepare('SELECT split FROM splits WHERE image_id = ?').pluck().get(id) as string | undefined;
const groupsInTwoSplits = () =>
  db
    .prepare('SELECT count(*) FROM (SELECT i.group_id FROM images i JOIN splits s ON s.image_id = i.id WHERE i.group_id IS NOT NULL GROUP BY i.group_id HAVING count(DISTINCT s.split) > 1)')
    .pluck()
    .get() as number;

/** `patients` patients with 1..maxPerPatient images each, labels drawn 60/30/10, prefix keeps paths unique across calls. */
function seedPatients(seed: number, patients: number, maxPerPatient: number, prefix = '/data/p'): number[] {
  const random = mulberry32(seed);
  const groups: string[] = [];
  for (let p = 0; p < patients; p++) for (let k = 1 + Math.floor(random() * maxPerPatient); k > 0; k--) groups.push(`${prefix}${p}`);
  const ids = seedImages(db, groups.length, { group: (i) => groups[i], prefix });
  seedLabels(
    db,
    mainTask(),
    ids.map((id) => {
      const r = random();
      return [id, classIds[r < 0.6 ? 0 : r < 0.9 ? 1 : 2]];
    }),
  );
  return ids;
}

describe('splits.create', () => {
  it('reports per-split class and group counts that match the table', async () => {
    const ids = seedPatients(1, 200, 4);
    const report = await client.invoke('splits.create', { ratios: [0.7, 0.15, 0.15], seed: 7, groupBy: 'patient' });
    const rows = assignments();
    expect(rows).toHaveLength(ids.length);
    for (const s of ['train', 'val', 'test'] as const) {
      expect(report.parts[s].images).toBe(rows.filter((r) => r.split === s).length);
      expect(report.achieved[s]).toBeCloseTo(report.parts[s].images / ids.length, 10);
    }
    expect(report.achieved.train).toBeGreaterThan(0.65);
    expect(report.achieved.test).toBeGreaterThan(0.1);
    const groups = report.parts.train.groups + report.parts.val.groups + report.parts.test.groups;
    expect(groups).toBe(200);
    const perClass = report.classes.map((c) => c.counts.train + c.counts.val + c.counts.test);
    expect(perClass.reduce((a, b) => a + b, 0)).toBe(ids.length);
    expect(report.settings).toEqual({ ratios: [0.7, 0.15, 0.15], seed: 7, groupBy: 'patient' });
    expect(groupsInTwoSplits()).toBe(0);
  });

  it('property: no group ever spans two splits, over random seeds and group sizes', async () => {
    for (let seed = 0; seed < 12; seed++) {
      db.prepare('DELETE FROM images').run();
      seedPatients(50 + seed, 60, 1 + (seed % 7), `/s${seed}/p`);
      const report = await client.invoke('splits.create', { seed, groupBy: 'patient' });
      expect({ seed, leaks: groupsInTwoSplits(), assigned: assignments().length }).toEqual({
        seed,
        leaks: 0,
        assigned: report.parts.train.images + report.parts.val.images + report.parts.test.images,
      });
    }
  });

  it('is deterministic for a seed; another seed gives another split', async () => {
    seedPatients(2, 150, 3);
    await client.invoke('splits.create', { seed: 11 });
    const first = assignments();
    await client.invoke('splits.create', { seed: 12 });
    const other = assignments();
    await client.invoke('splits.create', { seed: 11 });
    expect(assignments()).toEqual(first);
    expect(other.filter((r, i) => r.split !== first[i].split).length).toBeGreaterThan(20);
  });

  it('keeps excluded images out, unlabeled groups out, unlabeled images with their labelled group', async () => {
    const ids = seedImages(db, 6, { group: (i) => (i < 3 ? 'A' : i < 5 ? 'B' : null), excluded: (i) => i === 1 });
    seedLabels(db, mainTask(), [
      [ids[0], classIds[0]],
      [ids[1], classIds[0]],
    ]);
    const report = await client.invoke('splits.create', { seed: 1 });
    expect([splitOf(ids[1]), splitOf(ids[3]), splitOf(ids[4]), splitOf(ids[5])]).toEqual([undefined, undefined, undefined, undefined]);
    expect(splitOf(ids[2])).toBe(splitOf(ids[0]));
    expect(report.unassigned).toBe(3);
    expect(report.excluded).toBe(1);
    const s = splitOf(ids[0]) as 'train';
    expect(report.parts[s]).toEqual({ images: 2, groups: 1, unlabeled: 1 });
  });

  it('groupBy none splits a patient across splits (and leakage then reports it)', async () => {
    seedPatients(3, 20, 8);
    await client.invoke('splits.create', { seed: 3, groupBy: 'none' });
    expect(groupsInTwoSplits()).toBeGreaterThan(0);
    const leakage = await client.invoke('splits.leakage', {});
    expect(leakage.groups.length).toBe(groupsInTwoSplits());
  });

  it('keeps exact duplicates together across patients and without grouping', async () => {
    // Images 30..39 have the pixels of 0..9 (same hash, other patients); 40..49 point at 0..9 by duplicateOf only.
    const ids = seedImages(db, 50, {
      group: (i) => `P${i}`,
      hash: (i) => `h${i % 30}${i >= 40 ? 'x' : ''}`,
      duplicateOf: (i) => (i >= 40 ? i - 40 : null),
    });
    seedLabels(db, mainTask(), ids.map((id, i) => [id, classIds[i % 2]]));
    for (const groupBy of ['patient', 'none'] as const) {
      for (let seed = 0; seed < 5; seed++) {
        await client.invoke('splits.create', { seed, groupBy });
        const pairs = ids.slice(30).map((id, k) => [id, ids[k < 10 ? k : k - 10]] as const);
        expect({ groupBy, seed, apart: pairs.filter(([a, b]) => splitOf(a) !== splitOf(b)).length, leaks: (await client.invoke('splits.leakage', {})).exact }).toEqual({
          groupBy,
          seed,
          apart: 0,
          leaks: [],
        });
      }
    }
  });

  it('refuses to split a project without labels, leaving old splits alone', async () => {
    const ids = seedImages(db, 3);
    db.prepare(`INSERT INTO splits (image_id, split, assigned_at) VALUES (?, 'val', 'x')`).run(ids[0]);
    await expect(client.invoke('splits.create', {})).rejects.toMatchObject({ code: 'validation', message: expect.stringContaining('label some images') });
    expect(assignments()).toEqual([{ image_id: ids[0], split: 'val' }]);
  });

  it('refuses ratios that do not add up to 1', async () => {
    await expect(client.invoke('splits.create', { ratios: [0.7, 0.2, 0.2] })).rejects.toMatchObject({
      code: 'validation',
      message: expect.stringContaining('add up to 1'),
    });
  });
});

describe('splits.lock', () => {
  it('refuses to lock before a split exists', async () => {
    await expect(client.invoke('splits.lock', { locked: true })).rejects.toMatchObject({ code: 'conflict' });
  });

  it('locked test images and their groups stay in test; new images may join test', async () => {
    seedPatients(4, 120, 3);
    await client.invoke('splits.create', { seed: 1 });
    const testBefore = assignments().filter((r) => r.split === 'test').map((r) => r.image_id);
    const locked = await client.invoke('splits.lock', { locked: true });
    expect(locked.lockedTest).toBe(testBefore.length);
    // A new image of a patient already in test, and a batch of new patients.
    const testPatient = db.prepare('SELECT group_id FROM images WHERE id = ?').pluck().get(testBefore[0]) as string;
    const [joiner] = seedImages(db, 1, { group: () => testPatient, prefix: '/new/joiner' });
    seedLabels(db, mainTask(), [[joiner, classIds[0]]]);
    const fresh = seedPatients(5, 80, 3, '/new/p');
    for (let seed = 100; seed < 104; seed++) {
      const report = await client.invoke('splits.create', { seed });
      expect(testBefore.every((id) => splitOf(id) === 'test')).toBe(true);
      expect(splitOf(joiner)).toBe('test');
      expect(report.locked).toBe(true);
      expect(report.lockedTest).toBe(report.parts.test.images);
    }
    expect(fresh.filter((id) => splitOf(id) === 'test').length).toBeGreaterThan(5);
    expect(groupsInTwoSplits()).toBe(0);
    await client.invoke('splits.lock', { locked: false });
    await client.invoke('splits.create', { seed: 999 });
    expect(testBefore.filter((id) => splitOf(id) !== 'test').length).toBeGreaterThan(10);
  });
});

describe('splits.leakage', () => {
  it('finds planted group, exact and near leaks and nothing else', async () => {
    const ids = seedImages(db, 8, {
      group: (i) => (i < 2 ? 'P1' : null),
      hash: (i) => (i === 3 ? 'same' : i === 4 ? 'same' : `h${i}`),
      duplicateOf: (i) => (i === 6 ? 5 : null),
      phash: (i) => ['1111111111111111', 'aaaaaaaaaaaaaaaa', '0000000000000000', null, null, null, null, '0000000000000003'][i],
    });
    const put = db.prepare(`INSERT INTO splits (image_id, split, assigned_at) VALUES (?, ?, 'x')`);
    ['train', 'test', 'val', 'train', 'val', 'train', 'test', 'test'].forEach((s, i) => put.run(ids[i], s));
    const leakage = await client.invoke('splits.leakage', {});
    expect(leakage.groups).toEqual([{ groupId: 'P1', counts: { train: 1, val: 0, test: 1 } }]);
    expect(leakage.exact).toEqual([
      { images: [{ id: ids[3], split: 'train' }, { id: ids[4], split: 'val' }] },
      { images: [{ id: ids[5], split: 'train' }, { id: ids[6], split: 'test' }] },
    ]);
    expect(leakage.near).toEqual([{ a: { id: ids[2], split: 'val' }, b: { id: ids[7], split: 'test' }, distance: 2 }]);
    expect(leakage.nearTotal).toBe(1);
    expect(leakage.withoutPhash).toBe(4);
  });
});
