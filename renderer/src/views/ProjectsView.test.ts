import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { notFound } from '../../../shared/contract/errors.ts';
import { FakeClient, projectInfo } from '../lib/testing/fake-client.ts';
import { ProjectState } from '../lib/state/project.svelte.ts';
import ProjectsView from './ProjectsView.svelte';

afterEach(cleanup);

const recent = [{ dir: '/data/knees', name: 'Knees', openedAt: '2026-11-27T09:00:00.000Z' }];

describe('ProjectsView', () => {
  it('creates a project from the folder and name typed in browser mode', async () => {
    const client = new FakeClient({
      'project.create': ({ dir, name }) => projectInfo({ dir, name: name ?? 'x' }),
      'project.recent': () => recent,
    });
    const project = new ProjectState(client, vi.fn());
    const onOpened = vi.fn();
    render(ProjectsView, { project, shell: null, onOpened, onError: vi.fn() });

    expect(screen.queryByRole('button', { name: 'Browse…' })).toBeNull();
    await fireEvent.input(screen.getByLabelText('Project folder', { selector: '#create-dir' }), {
      target: { value: ' /data/hands ' },
    });
    await fireEvent.input(screen.getByLabelText('Name (optional)'), { target: { value: 'Hands' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Create project' }));
    await vi.waitFor(() => expect(onOpened).toHaveBeenCalledTimes(1));
    expect(client.calls).toEqual([{ method: 'project.create', args: { dir: '/data/hands', name: 'Hands' } }]);
    expect(project.info?.name).toBe('Hands');
  });

  it('creates a sample project in one click and opens it', async () => {
    const client = new FakeClient({
      'demo.create': () => ({ jobId: 'job-1', project: projectInfo({ dir: '/home/u/.labeltune/samples/s1', name: 'Sample chest X-rays' }) }),
      'project.recent': () => recent,
    });
    const project = new ProjectState(client, vi.fn());
    const onOpened = vi.fn();
    render(ProjectsView, { project, shell: null, onOpened, onError: vi.fn() });
    await fireEvent.click(screen.getByRole('button', { name: 'Create a sample project' }));
    await vi.waitFor(() => expect(onOpened).toHaveBeenCalledTimes(1));
    expect(client.calls).toEqual([{ method: 'demo.create', args: {} }]);
    expect(project.info?.name).toBe('Sample chest X-rays');
  });

  it('opens a recent project and reports engine errors through onError', async () => {
    const error = notFound('/data/knees is not a LabelTune project (no project.db). Create a project there instead.');
    const client = new FakeClient({
      'project.open': () => {
        throw error;
      },
      'project.recent': () => recent,
    });
    const onError = vi.fn();
    const project = new ProjectState(client, onError);
    await project.loadRecent();
    const onOpened = vi.fn();
    render(ProjectsView, { project, shell: null, onOpened, onError });

    await fireEvent.click(screen.getByTestId('recent-project'));
    await vi.waitFor(() => expect(onError).toHaveBeenCalledWith(error));
    expect(client.calls.at(-1)).toEqual({ method: 'project.open', args: { dir: '/data/knees' } });
    expect(onOpened).not.toHaveBeenCalled();
  });
});
