import { cleanup, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { notFound } from '../../shared/contract/errors.ts';
import App from './App.svelte';
import { ConnectionState } from './lib/state/connection.svelte.ts';
import { JobsState } from './lib/state/jobs.svelte.ts';
import { ProjectState } from './lib/state/project.svelte.ts';
import { handleError, ToastState } from './lib/state/toasts.svelte.ts';
import { FakeClient, projectInfo } from './lib/testing/fake-client.ts';
import type { ShellClient } from './lib/api/bridge-client.ts';
import { Navigation } from './lib/state/navigation.svelte.ts';

afterEach(cleanup);

function mountApp(client: FakeClient, shell: ShellClient | null = null) {
  const toasts = new ToastState();
  const connection = new ConnectionState();
  const onError = (e: unknown) => handleError(e, toasts);
  const props = {
    client,
    project: new ProjectState(client, onError),
    jobs: new JobsState(client, onError),
    toasts,
    connection,
    shell,
    mode: shell ? ('electron' as const) : ('browser' as const),
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

  it('shows why when the desktop engine process stopped', async () => {
    const client = new FakeClient({ 'project.info': () => projectInfo(), 'project.recent': () => [], 'job.list': () => [] });
    const listeners = new Map<string, (payload: unknown) => void>();
    const shell = {
      invoke: async () => ({ dir: null }),
      on: (event: string, listener: (payload: unknown) => void) => (listeners.set(event, listener), () => listeners.delete(event)),
    } as unknown as ShellClient;
    const { connection, toasts } = mountApp(client, shell);
    connection.set('open');
    await screen.findByTestId('project-name');
    const message = 'The LabelTune engine process stopped unexpectedly (exit code 137). It was restarted, with your project reopened; try again.';
    listeners.get('engine.stopped')!({ message, restarted: true });
    expect(toasts.items.map((t) => [t.kind, t.message])).toEqual([['error', message]]);
  });
});

describe('App after a reload', () => {
  it('comes back to the view the hash names for the open project, and writes the views the user moves to', async () => {
    const urls: string[] = [];
    const nav = new Navigation({
      location: { hash: `#project=${encodeURIComponent('/data/chest-xray')}&view=runs`, pathname: '/', search: '?token=t' },
      history: { replaceState: (_d, _u, url) => void urls.push(url) },
    });
    const client = new FakeClient({ 'project.info': () => projectInfo(), 'project.recent': () => [], 'job.list': () => [], 'runs.list': () => [], 'splits.report': () => new Promise(() => {}) });
    const toasts = new ToastState();
    const connection = new ConnectionState();
    const onError = (e: unknown) => handleError(e, toasts);
    render(App, { client, project: new ProjectState(client, onError), jobs: new JobsState(client, onError), toasts, connection, shell: null, mode: 'browser', nav });
    connection.set('open');
    const runsTab = await screen.findByRole('tab', { name: 'Runs' });
    expect(runsTab.getAttribute('aria-selected')).toBe('true');
    expect(screen.getByRole('main', { name: 'Runs' })).toBeTruthy();
    (await screen.findByRole('tab', { name: 'Splits' })).click();
    await vi.waitFor(() => expect(urls.at(-1)).toBe(`/?token=t#project=${encodeURIComponent('/data/chest-xray')}&view=splits`));
  });
});
