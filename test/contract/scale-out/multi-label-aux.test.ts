import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alphaAt } from '../../../electron/training/finetune/multitask.ts';
import { fillSampleProject } from '../../../electron/engine/runs/testing/sample-project.ts';
import { runCli } from '../../../electron/engine/testing/cli.ts';
import { type TestEngine, createTestProject } from '../../../electron/engine/testing/test-engine.ts';
import { FIXTURE, PythonChecks, metricRows, ranks, ready } from './setup.ts';

/** A multi-label project with an auxiliary task: sigmoid/BCE, the auxiliary labels and α(t) through the round trip. */

let python: PythonChecks;
const previousHome = process.env.LABELTUNE_HOME;

describe.runIf(ready)('labeltune job: a multi-label project with an auxiliary task', () => {
  let m: TestEngine;
  const AUX_OPTS = ['--backbone', 'resnet18', '--weights', FIXTURE, '--image-size', '32', '--epochs', '2', '--batch-size', '8', '--no-augment', '--seed', '3', '--strategy', 'top'];
  beforeAll(async () => {
    python = new PythonChecks();
    m = await createTestProject();
    process.env.LABELTUNE_HOME = join(m.tmp, 'cli-home');
    const db = m.engine.ctx.project().db;
    const { imageIds } = await fillSampleProject(db, m.projectDir, { perClass: 12, classes: ['a', 'b', 'c'], size: 40, aux: true });
    // Multi-label: every third image carries the next class too; a few images lose their auxiliary label.
    db.prepare(`UPDATE tasks SET mode = 'multi' WHERE role = 'main'`).run();
    const main = db.prepare(`SELECT id FROM tasks WHERE role = 'main'`).pluck().get() as number;
    const classIds = db.prepare('SELECT id FROM classes WHERE task_id = ? ORDER BY position').pluck().all(main) as number[];
    imageIds.forEach((id, i) => {
      if (i % 3 === 0) db.prepare(`INSERT INTO labels (image_id, task_id, class_id, source, updated_at) VALUES (?, ?, ?, 'human', '2026-01-01')`).run(id, main, classIds[(Math.floor(i / 12) + 1) % 3]);
      if (i % 5 === 1) db.prepare(`DELETE FROM labels WHERE image_id = ? AND task_id = (SELECT id FROM tasks WHERE role = 'aux')`).run(id);
    });
    await m.engine.ctx.setProject(null);
  });
  afterAll(async () => {
    if (previousHome === undefined) delete process.env.LABELTUNE_HOME;
    else process.env.LABELTUNE_HOME = previousHome;
    python?.close();
    await m?.dispose();
  });

  it('exports sigmoid/BCE with the auxiliary labels, trains on 2 ranks with the app’s α(t), imports at the reported per-label accuracy and AUC', async () => {
    const dir = join(m.tmp, 'job-multi-aux');
    const ex = await runCli('job', 'export', m.projectDir, '--out', dir, ...AUX_OPTS, '--aux', 'cosine', '--json');
    expect(ex.code, ex.out).toBe(0);
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(cfg.multiLabel).toBe(true);
    expect(cfg.aux).toMatchObject({ numClasses: 2, multiLabel: false, schedule: 'cosine' });
    expect(cfg.schedule[0].trainParams).toEqual(expect.arrayContaining(['aux_head.weight', 'aux_head.bias']));
    const manifest = readFileSync(join(dir, 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(manifest.filter((it) => it.labels.length === 2).length).toBe(12);
    expect(manifest.filter((it) => it.aux === null).length).toBeGreaterThan(0);
    expect(manifest.find((it) => it.aux !== null).aux).toHaveLength(1);
    console.log(`scale-out multi-label + aux, 2 ranks: ${(await ranks(dir, 2, 29521)).toFixed(1)} s`);
    const rows = metricRows(dir);
    expect(rows.map((r) => r.alpha)).toEqual([0, 1].map((e) => alphaAt('cosine', cfg.aux.alpha, e, 2)));
    const moved = Number(await python.run(`
a, _ = train.read_safetensors('output/checkpoints/last.safetensors'); i, _ = train.read_safetensors('initial.safetensors')
print(float((a['aux_head.weight'] - i['aux_head.weight']).abs().max()))`, dir));
    expect(moved).toBeGreaterThan(1e-4); // the auxiliary head trained
    const { code, out, err } = await runCli('job', 'import', m.projectDir, dir, '--json');
    expect(code, err).toBe(0);
    const doc = JSON.parse(out);
    expect(doc.epochs.map((e: { alpha: number }) => e.alpha)).toEqual(rows.map((r) => r.alpha));
    const best = doc.best.epoch;
    const ev = await runCli('eval', m.projectDir, '--run', String(doc.runId), '--split', 'val', '--json');
    expect(ev.code, ev.err).toBe(0);
    const metrics = JSON.parse(ev.out);
    expect(metrics.multiLabel).toBe(true);
    // Per-label accuracy at p >= 0.5 (sigmoid), the script's and the app's, on the same images.
    expect(metrics.accuracy).toBeCloseTo(rows[best - 1].valAccuracy, 12);
    const aucs = metrics.perClass.map((c: { auc: number | null }) => c.auc).filter((x: number | null) => x !== null);
    expect(Math.abs(aucs.reduce((x: number, y: number) => x + y, 0) / aucs.length - rows[best - 1].valAuc)).toBeLessThan(1e-6);
  }, 300_000);
});
