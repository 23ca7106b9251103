import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedImages, seedLabels } from '../../testing/seed-images.ts';
import { type TestEngine, createTestProject } from '../../testing/test-engine.ts';
import { runCli } from '../../testing/cli.ts';

let t: TestEngine;
const previousHome = process.env.LABELTUNE_HOME;

/** A project of 60 patients x 2 images labelled a/b, closed again so that the CLI opens it itself. */
beforeAll(async () => {
  t = await createTestProject();
  process.env.LABELTUNE_HOME = join(t.tmp, 'cli-home');
  const db = t.engine.ctx.project().db;
  const ids = seedImages(db, 120, { group: (i) => `P${Math.floor(i / 2)}` });
  const a = (await t.client.invoke('labels.addClass', { name: 'normal' })).id;
  const b = (await t.client.invoke('labels.addClass', { name: 'opacity' })).id;
  const task = db.prepare(`SELECT id FROM tasks WHERE role = 'main'`).pluck().get() as number;
  seedLabels(
    db,
    task,
    ids.map((id, i) => [id, i % 4 < 3 ? a : b]),
  );
  await t.engine.ctx.setProject(null);
});
afterAll(async () => {
  process.env.LABELTUNE_HOME = previousHome;
  await t.dispose();
});

const run = runCli;

describe('labeltune split', () => {
  it('--json prints the report and the leakage check', async () => {
    const { code, out } = await run('split', t.projectDir, '--json', '--seed', '3', '--ratios', '0.5,0.25,0.25', '--lock');
    expect(code).toBe(0);
    const doc = JSON.parse(out) as { report: { parts: Record<string, { images: number; groups: number }>; locked: boolean; settings: unknown }; leakage: { groups: unknown[] } };
    expect(doc.report.settings).toEqual({ ratios: [0.5, 0.25, 0.25], seed: 3, groupBy: 'patient' });
    const parts = doc.report.parts;
    expect(parts.train.images + parts.val.images + parts.test.images).toBe(120);
    expect(parts.train.groups + parts.val.groups + parts.test.groups).toBe(60);
    expect(parts.train.images).toBe(60);
    expect(doc.report.locked).toBe(true);
    expect(doc.leakage.groups).toEqual([]);
  });

  it('prints a table with a column per class', async () => {
    const { code, out } = await run('split', t.projectDir, '--seed', '1', '--group-by', 'none');
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines[0].split(/\s+/)).toEqual(['Split', 'Images', 'Groups', 'normal', 'opacity', 'Unlabeled']);
    const counts = lines.slice(1, 4).map((l) => l.split(/\s+/).slice(1).map(Number));
    expect(counts.reduce((n, row) => n + row[0], 0)).toBe(120);
    expect(counts.reduce((n, row) => n + row[2], 0)).toBe(90);
    expect(out).toContain('Test set   locked');
  });

  it('usage errors exit 2, engine refusals exit 1 with the message', async () => {
    expect((await run('split', t.projectDir, '--ratios', '0.7,0.3')).code).toBe(2);
    expect((await run('split', t.projectDir, '--group-by', 'lot')).code).toBe(2);
    const bad = await run('split', t.projectDir, '--ratios', '0.7,0.3,0.3');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('add up to 1');
  });
});
