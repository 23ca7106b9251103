import { loadavg } from 'node:os';
import type { Args, Method } from '../../shared/contract/index.ts';
import { type TestEngine, createTestProject } from '../../electron/engine/testing/test-engine.ts';
import { seedImages, seedLabels } from '../../electron/engine/testing/seed-images.ts';

/**
 * Engine time of one labelling key (issue 16, item 7), on projects built straight in SQLite: 10k
 * and 100k images, 90% labelled (3 classes), every 50th excluded, train/val/test split, and one
 * import audit event per label (so undo walks a realistic label_events table). Each key is the
 * full list of calls the renderer makes for it, dispatched in-process (no transport):
 *   now:    labels.set (answer carries the count deltas), nothing else;
 *   before: labels.set + project.info (the recount project.changed carried) + project.recent
 *           (ProjectState reloaded it on every project.changed) + images.counts and labels.tasks
 *           twice (DatasetView on labels.changed, LabellingState after the write).
 * Run: `npm run bench label-keystroke` (or `node --import tsx test/bench/label-keystroke.bench.ts`).
 */
const SIZES = [10_000, 100_000];

interface Fixture {
  t: TestEngine;
  ids: number[];
  classes: number[];
}

async function build(n: number): Promise<Fixture> {
  const t = await createTestProject(`keystroke ${n}`);
  const db = t.engine.ctx.project().db;
  const ids = seedImages(db, n, { group: (i) => `P${Math.floor(i / 4)}`, excluded: (i) => i % 50 === 0 });
  const classes: number[] = [];
  for (const name of ['normal', 'opacity', 'effusion']) classes.push((await t.client.invoke('labels.addClass', { name })).id);
  const task = db.prepare(`SELECT id FROM tasks WHERE role = 'main'`).pluck().get() as number;
  const labels = ids.flatMap((id, i) => (i % 10 === 9 ? [] : [[id, classes[i % 3]] as [number, number]]));
  seedLabels(db, task, labels);
  db.prepare(
    `INSERT INTO label_events (at, image_id, task_id, old_value, new_value, source, batch_id)
     SELECT '2026-01-01T00:00:00.000Z', value ->> 0, ?, '[]', json_array(value ->> 1), 'import', 'import-1' FROM json_each(?)`,
  ).run(task, JSON.stringify(labels));
  db.prepare(
    `INSERT INTO splits (image_id, split, assigned_at)
     SELECT value, CASE value % 10 WHEN 0 THEN 'test' WHEN 1 THEN 'val' WHEN 2 THEN 'val' ELSE 'train' END, 'x' FROM json_each(?)`,
  ).run(JSON.stringify(ids));
  return { t, ids, classes };
}

type Call = { [M in Method]: [M, Args<M>] }[Method];

/** Engine time of a sequence of calls (dispatcher in-process), in ms. */
async function engineMs(f: Fixture, calls: Call[]): Promise<number> {
  const t0 = performance.now();
  for (const [method, args] of calls) await f.t.engine.dispatcher.dispatch(method, args);
  return performance.now() - t0;
}

const quantile = (xs: number[], q: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];

/** ms per key (median, 95th percentile) over `keys` keys, each labelling the next image of a stride through the project. */
async function perKey(f: Fixture, keys: number, key: (imageId: number, classId: number) => Call[]): Promise<{ median: number; p95: number }> {
  const times: number[] = [];
  for (let k = 0; k < keys; k++) {
    const imageId = f.ids[(k * 7919 + 13) % f.ids.length];
    times.push(await engineMs(f, key(imageId, f.classes[k % 3])));
  }
  return { median: quantile(times, 0.5), p95: quantile(times, 0.95) };
}

const CLIENT = { clientId: 'bench' };
const label = (filter: object) => (imageId: number, classId: number): Call[] => [
  ['labels.set', { imageIds: [imageId], classIds: [classId], mode: 'replace', filter, ...CLIENT }],
];
const before = (imageId: number, classId: number): Call[] => [
  ['labels.set', { imageIds: [imageId], classIds: [classId], mode: 'replace' }],
  ['project.info', {}],
  ['project.recent', {}],
  ['images.counts', { filter: {} }],
  ['labels.tasks', {}],
  ['images.counts', { filter: {} }],
  ['labels.tasks', {}],
];
const undo = (): Call[] => [['labels.undo', { filter: {}, ...CLIENT }]];
const exclude = (imageId: number): Call[] => [['images.exclude', { imageIds: [imageId], reason: 'bench', filter: {}, ...CLIENT }]];

export async function labelKeystroke(): Promise<Record<string, Record<string, number>>> {
  const results: Record<string, Record<string, number>> = {};
  for (const n of SIZES) {
    const f = await build(n);
    try {
      await perKey(f, 20, label({})); // warm the statement cache and the pages
      const rows: [string, { median: number; p95: number }][] = [
        ['label key, before (7 calls)', await perKey(f, n >= 100_000 ? 15 : 40, before)],
        ['label key, now (labels.set)', await perKey(f, 300, label({}))],
        ['label key, now, filter unlabeled', await perKey(f, 100, label({ unlabeled: true }))],
        ['label key, now, filter class + split', await perKey(f, 100, label({ classIds: [f.classes[0]], split: 'train' }))],
        ['undo key, now (labels.undo)', await perKey(f, 100, undo)],
        ['exclude key, now (images.exclude)', await perKey(f, 100, exclude)],
      ];
      console.log(`   ${n.toLocaleString('en-US')} images (load average ${loadavg()[0].toFixed(1)}), engine ms per key:`);
      for (const [name, r] of rows) console.log(`     ${name.padEnd(40)} median ${r.median.toFixed(2).padStart(7)}  p95 ${r.p95.toFixed(2).padStart(7)}`);
      const speedup = rows[0][1].median / rows[1][1].median;
      console.log(`     label key: ${speedup.toFixed(0)}x less engine time than before`);
      results[n] = Object.fromEntries(rows.map(([name, r]) => [name, r.median]));
    } finally {
      await f.t.dispose();
    }
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) await labelKeystroke();
