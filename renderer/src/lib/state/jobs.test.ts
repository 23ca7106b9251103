import { describe, expect, it } from 'vitest';
import type { JobState } from '../../../../shared/domain/job.ts';
import { FakeClient } from '../testing/fake-client.ts';
import { fraction, JobsState } from './jobs.svelte.ts';

function job(overrides: Partial<JobState>): JobState {
  return {
    id: 'j1',
    kind: 'import',
    status: 'running',
    done: 0,
    total: 10,
    message: '',
    startedAt: '2026-11-28T10:00:00.000Z',
    finishedAt: null,
    result: null,
    error: null,
    ...overrides,
  };
}

describe('JobsState', () => {
  it('follows progress and finish events; only running jobs count as running', async () => {
    const client = new FakeClient({ 'job.list': () => [job({ id: 'old', status: 'completed', done: 10 })] });
    const jobs = new JobsState(client, (e) => {
      throw e;
    });
    jobs.start();
    await Promise.resolve();
    await Promise.resolve();
    client.emit('job.progress', { jobId: 'j1', kind: 'import', done: 3, total: 10, message: 'a.png' });
    client.emit('job.progress', { jobId: 'j1', kind: 'import', done: 7, total: 10, message: 'b.png' });
    expect(jobs.running.map((j) => [j.id, j.done, j.message])).toEqual([['j1', 7, 'b.png']]);
    expect(jobs.jobs.map((j) => j.id)).toEqual(['j1', 'old']);

    client.emit('job.finished', job({ id: 'j1', status: 'cancelled', done: 7 }));
    client.emit('job.progress', { jobId: 'j1', kind: 'import', done: 8, total: 10, message: 'late' });
    expect(jobs.running).toEqual([]);
    expect(jobs.jobs[0]).toMatchObject({ id: 'j1', status: 'cancelled', done: 7 });
  });

  it('cancel asks the engine and stores the returned state', async () => {
    const client = new FakeClient({ 'job.cancel': ({ jobId }) => job({ id: jobId, status: 'cancelled', done: 2 }) });
    const jobs = new JobsState(client, (e) => {
      throw e;
    });
    await jobs.cancel('j9');
    expect(client.calls).toEqual([{ method: 'job.cancel', args: { jobId: 'j9' } }]);
    expect(jobs.jobs.map((j) => [j.id, j.status])).toEqual([['j9', 'cancelled']]);
  });

  it('fraction is clamped and null for unknown totals', () => {
    expect(fraction({ done: 5, total: 20 })).toBe(0.25);
    expect(fraction({ done: 30, total: 20 })).toBe(1);
    expect(fraction({ done: 5, total: null })).toBeNull();
  });
});
