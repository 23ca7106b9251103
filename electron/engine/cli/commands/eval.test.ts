import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillSampleProject } from '../../runs/testing/sample-project.ts';
import { type TestEngine, createTestProject } from '../../testing/test-engine.ts';
import { runCli } from '../../testing/cli.ts';

let t: TestEngine;
let runId: number;
const previousHome = process.env.LABELTUNE_HOME;

/** A trained tiny run on a project with a locked test split, closed again so that the CLI opens it. */
beforeAll(async () => {
  t = await createTestProject();
  process.env.LABELTUNE_HOME = join(t.tmp, 'cli-home');
  const db = t.engine.ctx.project().db;
  const { imageIds } = await fillSampleProject(db, t.projectDir, { perClass: 12, classes: ['a', 'b'] });
  for (const id of imageIds.filter((_, i) => i % 12 >= 9)) db.prepare(`UPDATE splits SET split = 'test', locked = 1 WHERE image_id = ?`).run(id);
  const started = await t.client.invoke('runs.start', { backbone: 'test-tiny-resnet', imageSize: 16, batchSize: 8, lr: 0.05, backend: 'cpu', seed: 7, strategy: 'full', epochs: 8, augment: false });
  runId = started.runId;
  await t.client.invoke('job.wait', { jobId: started.jobId });
  await t.engine.ctx.setProject(null);
}, 120_000);
afterAll(async () => {
  process.env.LABELTUNE_HOME = previousHome;
  await t.dispose();
});

const run = runCli;

describe('labeltune eval', () => {
  it('--json prints the stored metrics and the asked operating point', async () => {
    const { code, out } = await run('eval', t.projectDir, '--run', String(runId), '--class', 'b', '--sensitivity', '0.5', '--json');
    expect(code).toBe(0);
    const doc = JSON.parse(out);
    expect(doc).toMatchObject({ runId, split: 'test', images: 6, classes: ['a', 'b'], positiveClass: 1 });
    expect(doc.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(6);
    expect(doc.perClass[0].auc).toBeNull(); // binary: curves only for the positive class
    expect(doc.perClass[1].auc).toBeGreaterThanOrEqual(0);
    expect(doc.operatingPoint.sensitivity).toBeGreaterThanOrEqual(0.5);
    expect(doc.operatingPoint.className).toBe('b');
  });

  it('prints a readable summary, and usage errors exit 2', async () => {
    const { code, out } = await run('eval', t.projectDir, '--run', String(runId));
    expect(code).toBe(0);
    expect(out).toContain(`Run ${runId} on the test split: 6 images, 2 classes`);
    expect(out).toMatch(/Confusion matrix/);
    expect((await run('eval', t.projectDir)).code).toBe(2);
    expect((await run('eval', t.projectDir, '--run', String(runId), '--split', 'train')).code).toBe(2);
    const missing = await run('eval', t.projectDir, '--run', '99');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('There is no run 99');
  });
});
