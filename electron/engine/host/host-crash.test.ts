import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coordinatorFor } from '../runs/coordinator.ts';
import { fillSampleProject } from '../runs/testing/sample-project.ts';
import { type TestEngine, createTestProject } from '../testing/test-engine.ts';

/**
 * A model host that dies fails its own job, with why, and nothing else: the engine, the database
 * and the other jobs (a training run in its own host) go on. Linux only (reads /proc).
 */
let t: TestEngine;
let runId: number;
const db = () => t.engine.ctx.project().db;
const tiny = { backbone: 'test-tiny-resnet', imageSize: 16, batchSize: 8, lr: 0.05, backend: 'cpu', seed: 7, strategy: 'full', augment: false } as const;

beforeAll(async () => {
  t = await createTestProject();
  await fillSampleProject(db(), t.projectDir, { perClass: 12, classes: ['normal', 'effusion', 'nodule'] });
  const started = await t.client.invoke('runs.start', { ...tiny, epochs: 2 });
  runId = started.runId;
  expect((await t.client.invoke('job.wait', { jobId: started.jobId })).status).toBe('completed');
}, 120_000);
afterAll(async () => {
  delete process.env.LABELTUNE_HOST_OOM;
  await t.dispose();
});

/** Model hosts this test process started (their command line names the host entry). */
function hostPids(): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => {
    try {
      const ppid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1]);
      return ppid === process.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('model-host');
    } catch {
      return false; // exited while we looked
    }
  });
}

async function until<T>(what: string, probe: () => T | undefined, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.runIf(process.platform === 'linux')('a model host that dies', () => {
  it('killed mid-prediction fails that job with the signal; a training run in another host completes, and the engine keeps serving', async () => {
    const training = await t.client.invoke('runs.start', { ...tiny, epochs: 4 });
    const trainerPid = await until('the training host', () => coordinatorFor(t.engine.ctx).pid(training.runId));
    const before = new Set([trainerPid, ...hostPids()]); // an earlier job's host may still be exiting
    const { jobId } = await t.client.invoke('predict.start', { runId, scope: 'all' });
    const victim = await until('the prediction host', () => hostPids().find((pid) => !before.has(pid)));
    process.kill(victim, 'SIGKILL');
    const predicted = await t.client.invoke('job.wait', { jobId });
    expect(predicted.status).toBe('failed');
    expect(predicted.error).toMatchObject({ code: 'internal', message: 'The prediction process was killed (SIGKILL) before finishing.' });
    expect((await t.client.invoke('project.info', {})).counts.runs).toBe(2);
    expect((await t.client.invoke('job.wait', { jobId: training.jobId })).status).toBe('completed');
    expect((await t.client.invoke('runs.get', { runId: training.runId })).metrics.map((m) => m.epoch)).toEqual([1, 2, 3, 4]);
    // A new job gets a new host.
    const again = await t.client.invoke('predict.start', { runId, scope: 'all' });
    expect((await t.client.invoke('job.wait', { jobId: again.jobId })).status).toBe('completed');
    expect(db().prepare('SELECT count(*) FROM predictions WHERE run_id = ?').pluck().get(runId)).toBe(36);
  }, 180_000);

  it('out of memory fails the evaluation with a sentence saying so, never the allocator text, and stores nothing', async () => {
    process.env.LABELTUNE_HOST_OOM = 'predict';
    const { jobId } = await t.client.invoke('eval.run', { runId, split: 'val' });
    const job = await t.client.invoke('job.wait', { jobId });
    delete process.env.LABELTUNE_HOST_OOM;
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({ code: 'validation', message: 'The evaluation process ran out of memory. Close other jobs or programs and try again, or use a smaller image size.' });
    expect(await t.client.invoke('eval.get', { runId })).toBeNull();
    const ok = await t.client.invoke('eval.run', { runId, split: 'val' });
    expect((await t.client.invoke('job.wait', { jobId: ok.jobId })).status).toBe('completed');
    expect((await t.client.invoke('eval.get', { runId }))?.split).toBe('val');
  }, 120_000);
});
