import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TestEngine, createTestProject } from '../testing/test-engine.ts';
import { coordinatorFor } from './coordinator.ts';
import { loadRunData } from './data.ts';
import { insertRun } from './store.ts';
import { fillSampleProject } from './testing/sample-project.ts';

/** Plan once: `runs.start { planId }` trains exactly the plan `runs.plan` answered. */
let t: TestEngine;
beforeEach(async () => {
  t = await createTestProject();
  await fillSampleProject(t.engine.ctx.project().db, t.projectDir, { perClass: 8, classes: ['normal', 'effusion', 'nodule'] });
});
afterEach(async () => {
  await t.dispose();
});

// No seed given: the plan draws one, and the run must train with that one.
const tiny = { backbone: 'test-tiny-resnet', imageSize: 16, batchSize: 8, lr: 0.05, backend: 'cpu', strategy: 'full', epochs: 1, augment: false } as const;

describe('runs.start with a plan', () => {
  it('trains the planned config, seed included, and records the counts the model host confirmed', async () => {
    const plan = await t.client.invoke('runs.plan', tiny);
    expect(plan.planId).toMatch(/^[0-9a-f-]{36}$/);
    const other = await t.client.invoke('runs.plan', tiny);
    expect(other.config.seed).not.toBe(plan.config.seed); // each plan draws its own seed...
    const { runId, jobId } = await t.client.invoke('runs.start', { planId: plan.planId!, name: 'planned' });
    expect((await t.client.invoke('job.wait', { jobId })).status).toBe('completed');
    const run = await t.client.invoke('runs.get', { runId });
    expect(run.config).toEqual(plan.config); // ...and the run trains the one it was given
    expect(run.name).toBe('planned');
    expect([run.trainableParams, run.totalParams]).toEqual([plan.trainableParams, plan.totalParams]);
    expect(run.trainableParams).toBeGreaterThan(0);
  }, 120_000);

  it('refuses an unknown plan, and a plan whose data changed since, saying to plan again', async () => {
    await expect(t.client.invoke('runs.start', { planId: 'no-such-plan' })).rejects.toMatchObject({ code: 'not-found', message: expect.stringContaining('Plan the run again') });
    const plan = await t.client.invoke('runs.plan', tiny);
    t.engine.ctx.project().db.prepare(`UPDATE images SET excluded = 1 WHERE id = (SELECT image_id FROM splits WHERE split = 'train' LIMIT 1)`).run();
    await expect(t.client.invoke('runs.start', { planId: plan.planId! })).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('changed since this run was planned') });
    expect((await t.client.invoke('runs.list', {})).length).toBe(0);
  }, 120_000);

  it('stops a run whose model host builds other counts than the plan, saying both', async () => {
    const plan = await t.client.invoke('runs.plan', tiny);
    const db = t.engine.ctx.project().db;
    const runId = insertRun(db, 'mismatch', plan.config, { trainable: plan.trainableParams, total: plan.totalParams });
    const expected = { trainableParams: plan.trainableParams + 1, totalParams: plan.totalParams };
    const jobId = coordinatorFor(t.engine.ctx).launch({ runId, config: plan.config, manifest: loadRunData(db, false).manifest, resumeFrom: null, mode: 'train', expected });
    const job = await t.client.invoke('job.wait', { jobId });
    expect(job.status).toBe('failed');
    expect(job.error?.message).toBe(
      `The model host built ${plan.trainableParams} trainable of ${plan.totalParams} parameters, but the plan counted ${plan.trainableParams + 1} of ${plan.totalParams}; the run was stopped so that it does not train something other than what was planned. Plan it again; if this repeats, report it.`,
    );
    expect((await t.client.invoke('runs.get', { runId })).status).toBe('failed');
  }, 120_000);
});
