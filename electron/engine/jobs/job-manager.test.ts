import { afterEach, describe, expect, it } from 'vitest';
import type { JobProgressEvent } from '../../../shared/contract/jobs.ts';
import type { JobState } from '../../../shared/domain/job.ts';
import { createTestEngine, createTestProject, type TestEngine } from '../testing/test-engine.ts';

let t: TestEngine;
afterEach(() => t?.dispose());

function collect(t: TestEngine) {
  const progress: JobProgressEvent[] = [];
  const finished: JobState[] = [];
  t.client.on('job.progress', (p) => progress.push(p));
  t.client.on('job.finished', (j) => finished.push(j));
  return { progress, finished };
}

describe('jobs', () => {
  it('a counting job reports progress to the end and its result', async () => {
    t = createTestEngine();
    const events = collect(t);
    const { jobId } = await t.client.invoke('job.count', { to: 5, intervalMs: 1 });
    const final = await t.client.invoke('job.wait', { jobId });
    expect(final).toMatchObject({ id: jobId, kind: 'count', status: 'completed', done: 5, total: 5, result: { counted: 5 }, error: null });
    expect(final.finishedAt).not.toBeNull();
    expect(events.progress.at(-1)).toEqual({ jobId, kind: 'count', done: 5, total: 5, message: 'Counted 5 of 5' });
    expect(events.progress.every((p, i, a) => i === 0 || p.done >= a[i - 1].done)).toBe(true);
    expect(events.finished.map((j) => [j.id, j.status])).toEqual([[jobId, 'completed']]);
  });

  it('cancel stops a running job promptly with status cancelled', async () => {
    t = createTestEngine();
    const events = collect(t);
    const { jobId } = await t.client.invoke('job.count', { to: 10_000, intervalMs: 5 });
    await new Promise((r) => setTimeout(r, 60));
    await t.client.invoke('job.cancel', { jobId });
    const final = await t.client.invoke('job.wait', { jobId });
    expect(final.status).toBe('cancelled');
    expect(final.error?.code).toBe('cancelled');
    expect(final.done).toBeGreaterThan(0);
    expect(final.done).toBeLessThan(10_000);
    expect(events.finished[0].status).toBe('cancelled');
    // Nothing moves after the end.
    const done = final.done;
    await new Promise((r) => setTimeout(r, 40));
    expect((await t.client.invoke('job.get', { jobId })).done).toBe(done);
  });

  it('lists jobs newest first and rejects unknown ids', async () => {
    t = createTestEngine();
    const a = await t.client.invoke('job.count', { to: 1, intervalMs: 0 });
    const b = await t.client.invoke('job.count', { to: 1, intervalMs: 0 });
    await t.client.invoke('job.wait', b);
    await t.client.invoke('job.wait', a);
    expect((await t.client.invoke('job.list', {})).map((j) => j.id)).toEqual([b.jobId, a.jobId]);
    await expect(t.client.invoke('job.get', { jobId: 'nope' })).rejects.toMatchObject({ code: 'not-found' });
  });

  it('records jobs in the open project, and marks ones left running by a crash as interrupted', async () => {
    t = await createTestProject();
    const { jobId } = await t.client.invoke('job.count', { to: 2, intervalMs: 0 });
    await t.client.invoke('job.wait', { jobId });
    const db = t.engine.ctx.project().db;
    expect(db.prepare('SELECT kind, status, result FROM jobs WHERE id = ?').get(jobId)).toEqual({
      kind: 'count',
      status: 'completed',
      result: JSON.stringify({ counted: 2 }),
    });
    db.prepare("INSERT INTO jobs (id, kind, status, started_at) VALUES ('crashed', 'import', 'running', 'x')").run();
    await t.client.invoke('project.close', {});
    await t.client.invoke('project.open', { dir: t.projectDir });
    const row = t.engine.ctx.project().db.prepare("SELECT status, error FROM jobs WHERE id = 'crashed'").get() as { status: string; error: string };
    expect(row.status).toBe('interrupted');
    expect(JSON.parse(row.error).message).toMatch(/stopped while this job was running/);
  });

  it('closing the project cancels its running jobs', async () => {
    t = await createTestProject();
    const { jobId } = await t.client.invoke('job.count', { to: 100_000, intervalMs: 5 });
    await t.client.invoke('project.close', {});
    expect((await t.client.invoke('job.get', { jobId })).status).toBe('cancelled');
  });
});
