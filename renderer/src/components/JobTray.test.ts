import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobState } from '../../../shared/domain/job.ts';
import JobTray from './JobTray.svelte';

afterEach(cleanup);
beforeEach(() => localStorage.clear());

const run: JobState = {
  id: 'j1', kind: 'train', status: 'running', done: 160, total: 160, message: 'Reading images 160/160', phase: 'Reading images',
  startedAt: '', finishedAt: null, result: null, error: null,
};

describe('JobTray', () => {
  it('names the phase instead of calling all images read 100%, and folds away (remembered)', async () => {
    render(JobTray, { jobs: [run], onCancel: () => {} });
    expect(screen.getByTestId('job').textContent).toContain('Reading images: 160 / 160');
    expect(screen.getByTestId('job').textContent).not.toContain('100%');
    await fireEvent.click(screen.getByRole('button', { name: 'Fold running jobs away' }));
    expect(screen.queryByTestId('job')).toBeNull();
    expect(screen.getByTestId('job-tray-summary').textContent).toBe('1 running · train · Reading images 100%');
    cleanup();
    render(JobTray, { jobs: [{ ...run, done: 3, total: 40, phase: 'Training' }], onCancel: () => {} });
    expect(screen.getByTestId('job-tray-summary').textContent).toBe('1 running · train · Training 8%');
    await fireEvent.click(screen.getByRole('button', { name: 'Show running jobs' }));
    expect(screen.getByTestId('job').textContent).toContain('Training: 3 / 40');
  });
});
