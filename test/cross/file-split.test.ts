import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TestEngine, createTestProject } from '../../electron/engine/testing/test-engine.ts';
import { seedImages } from '../../electron/engine/testing/seed-images.ts';
import { SplitsState } from '../../renderer/src/lib/state/splits.svelte.ts';

/**
 * The Splits view's state, wired as SplitsView wires it, against a real engine: a project whose only
 * split came from a label CSV shows that split, and re-splitting it asks first. Asserts on the database.
 */
let t: TestEngine;
const db = () => t.engine.ctx.project().db;
const fail = (e: unknown) => {
  throw e;
};
const assignments = () => db().prepare('SELECT image_id, split FROM splits ORDER BY image_id').all();
const groupsInTwoSplits = () =>
  db()
    .prepare('SELECT count(*) FROM (SELECT group_id FROM images JOIN splits ON splits.image_id = images.id WHERE group_id IS NOT NULL GROUP BY group_id HAVING count(DISTINCT split) > 1)')
    .pluck()
    .get();

// 20 images: 14 train, 3 val, 3 test; patient P1 has images in train and val, P2 in train and test.
const SPLITS = [...Array<string>(14).fill('train'), 'val', 'val', 'val', 'test', 'test', 'test'];
const GROUPS = SPLITS.map((_, i) => (i === 0 || i === 14 ? 'P1' : i === 1 || i === 17 ? 'P2' : `Q${i}`));

beforeEach(async () => {
  t = await createTestProject();
  const ids = seedImages(db(), SPLITS.length, { group: (i) => GROUPS[i] });
  const path = db().prepare('SELECT path FROM images WHERE id = ?').pluck();
  const csv = join(t.tmp, 'labels.csv');
  writeFileSync(csv, ['path,label,split', ...ids.map((id, i) => `${path.get(id) as string},${i % 2 ? 'normal' : 'opacity'},${SPLITS[i]}`)].join('\n'));
  const { jobId } = await t.client.invoke('import.start', { paths: [], csv });
  expect((await t.client.invoke('job.wait', { jobId })).status).toBe('completed');
});
afterEach(() => t.dispose());

describe('a split that came from a label CSV, in the Splits view', () => {
  it('is shown as the current split with its counts and leaks, and re-splitting it asks first, naming the file and the runs', async () => {
    const questions: string[] = [];
    let answer = false;
    const splits = new SplitsState(t.client, fail, (q) => (questions.push(q), answer));
    await splits.load();
    expect(splits.origin).toBe('Split from labels.csv: 14 / 3 / 3, 2 groups in two splits');
    expect(splits.leakage?.groups.map((g) => g.groupId)).toEqual(['P1', 'P2']);
    expect(groupsInTwoSplits()).toBe(2);

    db().prepare(`INSERT INTO runs (name, status, backbone, strategy, config, created_at) VALUES ('resnet18 top', 'completed', 'resnet18', 'top', '{}', ?)`).run(new Date().toISOString());
    const before = assignments();
    await splits.create();
    expect(questions).toEqual([
      'The current split comes from labels.csv, image by image; re-splitting by ratios replaces it. Run #1 "resnet18 top" was trained on the current split. ' +
        'Re-splitting moves images between train, validation and test, so their results will be marked as computed on an older split. Re-split anyway?',
    ]);
    // No: the file's split stays, image for image.
    expect(assignments()).toEqual(before);
    expect(splits.origin).toBe('Split from labels.csv: 14 / 3 / 3, 2 groups in two splits');

    answer = true;
    await splits.create();
    expect(questions).toHaveLength(2);
    expect(groupsInTwoSplits()).toBe(0);
    expect(db().prepare(`SELECT count(*) FROM project_meta WHERE key = 'splits.fromFile'`).pluck().get()).toBe(0);
    expect(splits.report?.fromFile).toBeNull();
    expect(splits.report?.settings).toEqual({ ratios: [0.7, 0.15, 0.15], seed: 0, groupBy: 'patient' });
    expect(splits.origin).toBeNull();
  });
});
