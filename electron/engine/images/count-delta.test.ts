import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineClient, Events } from '../../../shared/contract/index.ts';
import { type CountsMoved, applyToImageCounts, applyToProjectCounts, applyToTasks } from '../../../shared/domain/counts.ts';
import type { ImageFilter } from '../../../shared/domain/images.ts';
import { mulberry32 } from '../../../shared/random.ts';
import { type TestEngine, createTestProject } from '../testing/test-engine.ts';
import { seedImages } from '../testing/seed-images.ts';

/**
 * Property test of the counted writes: after every step of a random (seeded) sequence of label
 * sets, undos, redos, exclusions and inclusions, the counts a client holds by adding the deltas
 * equal a full recount: the project-wide ones accumulated over the whole run, and the filtered one
 * of each step against a recount of that filter just before it.
 */
const N = 60;
const STEPS = 250;
/** Filters of every kind, and class filters (each menu's counts are faceted: they drop the menu's own filter). */
const filters = (): ImageFilter[] => [
  {},
  { unlabeled: true },
  { unlabeled: false, split: 'train' },
  { split: 'none' },
  { excluded: false },
  { excluded: true },
  { groupId: 'P3' },
  { duplicates: 'exact' },
  { search: 'img-00001' },
  { classIds: [main[1]] },
  { classIds: [main[0], aux[0]], split: 'val' },
  { split: 'test', excluded: false, labelSource: 'human' },
];

let t: TestEngine;
let client: EngineClient;
let main: number[];
let aux: number[];
let ids: number[];

beforeAll(async () => {
  t = await createTestProject();
  client = t.client;
  const db = t.engine.ctx.project().db;
  ids = seedImages(db, N, { group: (i) => `P${i % 7}`, hash: (i) => `h${i % 50}`, excluded: (i) => i % 9 === 0 });
  const split = db.prepare(`INSERT INTO splits (image_id, split, assigned_at) VALUES (?, ?, 'x')`);
  ids.forEach((id, i) => i % 4 !== 3 && split.run(id, ['train', 'val', 'test'][i % 4]));
  await client.invoke('labels.configureTask', { role: 'main', mode: 'multi' });
  main = [];
  for (const name of ['normal', 'opacity', 'effusion']) main.push((await client.invoke('labels.addClass', { name })).id);
  aux = [];
  for (const name of ['frontal', 'lateral']) aux.push((await client.invoke('labels.addClass', { name, taskRole: 'aux' })).id);
});
afterAll(() => t.dispose());

type Step = () => Promise<CountsMoved & { changed: unknown }>;

/** One random write, sent with `filter`. */
function randomStep(random: () => number, filter: ImageFilter, lastBatch: string | null): { name: string; run: Step; batch: boolean } {
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)];
  const some = () => [...new Set(Array.from({ length: 1 + Math.floor(random() * 6) }, () => pick(ids)))];
  const roll = random();
  if (roll < 0.12) return { name: 'undo', run: () => client.invoke('labels.undo', { filter }), batch: false };
  if (roll < 0.2) return { name: 'redo', run: () => client.invoke('labels.redo', { filter }), batch: false };
  if (roll < 0.27) return { name: 'exclude', run: () => client.invoke('images.exclude', { imageIds: some(), reason: 'r', filter }), batch: false };
  if (roll < 0.34) return { name: 'include', run: () => client.invoke('images.include', { imageIds: some(), filter }), batch: false };
  const imageIds = some();
  const continueBatch = lastBatch !== null && random() < 0.3 ? { continueBatch: lastBatch } : {};
  if (random() < 0.3) {
    // Single-label: add replaces; toggle would refuse an image that holds the other class.
    const mode = pick(['replace', 'add', 'remove'] as const);
    const classIds = mode === 'replace' && random() < 0.3 ? [] : [pick(aux)];
    return { name: `aux ${mode}`, run: () => client.invoke('labels.set', { imageIds, taskRole: 'aux', classIds, mode, filter, ...continueBatch }), batch: true };
  }
  const mode = pick(['replace', 'add', 'remove', 'toggle'] as const);
  const classIds = main.filter(() => random() < 0.5);
  return { name: `main ${mode}`, run: () => client.invoke('labels.set', { imageIds, classIds, mode, filter, ...continueBatch }), batch: true };
}

describe('count deltas of labels.set, undo, redo, exclude and include', () => {
  it('add up to a full recount after every step of a random sequence', async () => {
    const random = mulberry32(16);
    const emitted: Events['labels.changed' | 'images.excluded'][] = [];
    const offs = [client.on('labels.changed', (e) => emitted.push(e)), client.on('images.excluded', (e) => emitted.push(e))];
    let projectChanged = 0;
    offs.push(client.on('project.changed', () => projectChanged++));
    let all = await client.invoke('images.counts', {});
    let tasks = await client.invoke('labels.tasks', {});
    let project = (await client.invoke('project.info', {})).counts;
    let lastBatch: string | null = null;
    const seen = new Set<string>();
    const choices = filters();
    for (let i = 0; i < STEPS; i++) {
      const filter = choices[Math.floor(random() * choices.length)];
      const step = randomStep(random, filter, lastBatch);
      const before = await client.invoke('images.counts', { filter });
      const fired = emitted.length;
      const moved = await step.run();
      // Only the write just before may be continued (an undo in between would refuse it).
      lastBatch = step.batch ? ((moved as unknown as { batchId: string | null }).batchId ?? lastBatch) : null;
      const where = `step ${i} (${step.name}, filter ${JSON.stringify(filter)})`;
      expect(applyToImageCounts(before, moved.filtered ?? moved.counts), where).toEqual(await client.invoke('images.counts', { filter }));
      all = applyToImageCounts(all, moved.counts);
      tasks = applyToTasks(tasks, moved.counts);
      const event = emitted.slice(fired);
      expect(event.length, where).toBeLessThanOrEqual(1);
      for (const e of event) {
        expect(e.counts, where).toEqual(moved.counts);
        project = applyToProjectCounts(project, e.counts!);
      }
      if (event.length === 0) expect(moved.counts, where).toMatchObject({ total: 0, perClass: {}, unlabeled: 0, excluded: 0 });
      seen.add(step.name);
    }
    expect(all).toEqual(await client.invoke('images.counts', {}));
    expect(tasks).toEqual(await client.invoke('labels.tasks', {}));
    expect(project).toEqual((await client.invoke('project.info', {})).counts);
    expect(projectChanged).toBe(0);
    // The sequence exercised every kind of write, and the counts really moved.
    expect([...seen].sort()).toEqual(['aux add', 'aux remove', 'aux replace', 'exclude', 'include', 'main add', 'main remove', 'main replace', 'main toggle', 'redo', 'undo']);
    expect(tasks[0].labelled).toBeGreaterThan(10);
    offs.forEach((off) => off());
  });
});
