import { cleanup, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { notFound } from '../../shared/contract/errors.ts';
import App from './App.svelte';
import { ConnectionState } from './lib/state/connection.svelte.ts';
import { JobsState } from './lib/state/jobs.svelte.ts';
import { ProjectState } from './lib/state/project.svelte.ts';
import { handleError, ToastState } from './lib/state/toasts.svelte.ts';
import { FakeClient, projectInfo } from './lib/testing/fake-client.ts';

afterEach(cleanup);

function mountApp(client: FakeClient) {
  const toasts = new ToastState();
  const connection = new ConnectionState();
  const onError = (e: unknown) => handleError(e, toasts);
  const props = {
    client,
    project: new ProjectState(client, onError),
    jobs: new JobsState(client, onError),
    toasts,
    connection,
    shell: null,
    mode: 'browser' as const,
  };
  render(App, props);
  return props;
}

describe('App', () => {
  it('starts on the Projects view without a project, then follows project.changed into the header', async () => {
    const client = new FakeClient({
      'project.info': () => {
        throw notFound('No project is open.');
      },
      'project.recent': () => [],
      'job.list': () => [],
    });
    const { connection, toasts } = mountApp(client);
    expect(screen.getByTestId('connection-banner').textContent).toContain('Connecting');
    connection.set('open');

    expect(await screen.findByRole('heading', { name: 'Projects' })).toBeTruthy();
    expect(screen.queryByTestId('project-name')).toBeNull();
    await vi.waitFor(() => expect(client.calls.map((c) => c.method)).toContain('project.recent'));
    expect(toasts.items).toEqual([]);

    client.emit('project.changed', projectInfo({ name: 'Knee MRI', counts: { images: 40, labelled: 12, excluded: 1, classes: 2, runs: 0 } }));
    expect((await screen.findByTestId('project-name')).textContent).toBe('Knee MRI');
    expect(screen.getByTestId('count-images').textContent).toBe('40');
    expect(screen.getByTestId('count-labelled').textContent).toBe('12');
    expect(screen.queryByRole('heading', { name: 'Projects' })).toBeNull();
  });

  it('shows the job tray for a running job reported by events', async () => {
    const client = new FakeClient({ 'project.info': () => projectInfo(), 'project.recent': () => [], 'job.list': () => [] });
    const { connection } = mountApp(client);
    connection.set('open');
    await screen.findByTestId('project-name');
    client.emit('job.progress', { jobId: 'j1', kind: 'import', done: 25, total: 100, message: 'scan_0025.dcm' });
    const row = await screen.findByTestId('job');
    expect(row.textContent).toContain('25 / 100 (25%)');
    expect(row.textContent).toContain('scan_0025.dcm');
    expect((row.querySelector('progress') as HTMLProgressElement).value).toBe(0.25);
  });
});
