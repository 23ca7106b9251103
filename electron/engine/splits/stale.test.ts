import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineClient } from '../../../shared/contract/index.ts';
import type { Database } from '../db/database.ts';
import { type TestEngine, createTestProject } from '../testing/test-engine.ts';
import { seedImages, seedLabels } from '../testing/seed-images.ts';

/** Issue 14, point 8: which runs used the current split, empty validation/test refused or warned, when the split was made. */
let t: TestEngine;
let client: EngineClient;
let db: Database;

beforeEach(async () => {
  t = await createTestProject();
  client = t.client;
  db = t.engine.ctx.project().db;
  const classes = [(await client.invoke('labels.addClass', { name: 'normal' })).id, (await client.invoke('labels.addClass', { name: 'opacity' })).id];
  const ids = seedImages(db, 40, { group: (i) => `P${i}` });
  const task = db.prepare(`SELECT id FROM tasks WHERE role = 'main'`).pluck().get() as number;
  seedLabels(db, task, ids.map((id, i) => [id, classes[i % 2]]));
});
afterEach(() => t.dispose());

/** A run row as the run store writes it, made at `at`. */
function addRun(name: string, at: string): number {
  return Number(
    db
      .prepare(`INSERT INTO runs (name, status, backbone, strategy, config, created_at) VALUES (?, 'completed', 'resnet18', 'top', '{}', ?)`)
      .run(name, at).lastInsertRowid,
  );
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('splits and the runs made on them', () => {
  it('names the runs made on the current split, and none once it is re-created', async () => {
    expect((await client.invoke('splits.usage', {})).runs).toEqual([]);
    const first = await client.invoke('splits.create', { seed: 1 });
    expect(first.createdAt).not.toBeNull();
    const before = addRun('before the split', '2000-01-01T00:00:00.000Z');
    await tick();
    const a = addRun('resnet18 top', new Date().toISOString());
    const b = addRun('vit full', new Date().toISOString());
    const usage = await client.invoke('splits.usage', {});
    expect(usage.runs.map((r) => [r.id, r.name])).toEqual([
      [a, 'resnet18 top'],
      [b, 'vit full'],
    ]);
    expect(usage.runs.map((r) => r.id)).not.toContain(before);
    await tick();
    const second = await client.invoke('splits.create', { seed: 2 });
    expect(Date.parse(second.createdAt!)).toBeGreaterThan(Date.parse(first.createdAt!));
    // Runs made before the new split are on an older one now: nothing uses the current split.
    expect((await client.invoke('splits.usage', {})).runs).toEqual([]);
  });

  it('refuses an empty validation share and warns about an empty test set', async () => {
    await expect(client.invoke('splits.create', { ratios: [1, 0, 0] })).rejects.toMatchObject({
      code: 'validation',
      message: expect.stringContaining('The validation ratio must be above 0'),
    });
    expect((await client.invoke('splits.report', {})).settings).toBeNull();
    const noTest = await client.invoke('splits.create', { ratios: [0.8, 0.2, 0] });
    expect(noTest.parts.test.images).toBe(0);
    expect(noTest.warnings).toEqual([expect.stringContaining('The test split has no labelled image')]);
    const fine = await client.invoke('splits.create', { ratios: [0.7, 0.15, 0.15] });
    expect(fine.warnings).toEqual([]);
  });
});
