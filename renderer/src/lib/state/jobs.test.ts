import { describe, expect, it, vi } from 'vitest';
import type { JobState } from '../../../../shared/domain/job.ts';
import { FakeClient } from '../testing/fake-client.ts';
import { amountLabel, fraction, JobsState } from './jobs.svelte.ts';
import { reportFinishedJob, ToastState } from './toasts.svelte.ts';

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

  it('reports each job that ends while the app watches, once, and not jobs that were already over', async () => {
    const client = new FakeClient({ 'job.list': () => [job({ id: 'old', status: 'completed' })] });
    const finished: string[] = [];
    const jobs = new JobsState(client, (e) => {
      throw e;
    }, (j) => finished.push(`${j.id}:${j.status}`));
    jobs.start();
    await vi.waitFor(() => expect(jobs.jobs).toHaveLength(1));
    client.emit('job.progress', { jobId: 'j1', kind: 'import', done: 1, total: 10, message: '' });
    client.emit('job.finished', job({ id: 'j1', status: 'failed', error: { code: 'validation', message: 'labels.csv: no column "label".' } }));
    client.emit('job.finished', job({ id: 'j1', status: 'failed' }));
    client.emit('job.finished', job({ id: 'old', status: 'completed' }));
    client.emit('job.finished', job({ id: 'j2', status: 'completed' }));
    expect(finished).toEqual(['j1:failed', 'j2:completed']);
  });

  it('turns a failed job into an error toast with the engine message, a finished one into a note', () => {
    const toasts = new ToastState();
    reportFinishedJob(job({ status: 'failed', error: { code: 'validation', message: 'labels.csv: no column "label".' } }), toasts);
    reportFinishedJob(job({ status: 'completed', message: '400 images' }), toasts);
    expect(toasts.items.map((t) => [t.kind, t.message])).toEqual([
      ['error', 'labels.csv: no column "label".'],
      ['info', 'import: finished (400 images).'],
    ]);
  });

  it('fraction is clamped and null for unknown totals', () => {
    expect(fraction({ done: 5, total: 20 })).toBe(0.25);
    expect(fraction({ done: 30, total: 20 })).toBe(1);
    expect(fraction({ done: 5, total: null })).toBeNull();
  });

  it('shows a weights download in bytes with percent, other jobs in units', () => {
    expect(amountLabel({ kind: 'weights.download', done: 11_202_717, total: 22_405_434 })).toBe('11.2 MB of 22.4 MB (50%)');
    expect(amountLabel({ kind: 'weights.download', done: 4_096, total: null })).toBe('4.1 kB');
    expect(amountLabel({ kind: 'import', done: 5, total: 20 })).toBe('5 / 20 (25%)');
    expect(amountLabel({ kind: 'import', done: 5, total: null })).toBe('5 done');
  });
});
