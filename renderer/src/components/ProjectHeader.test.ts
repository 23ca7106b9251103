import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeClient, projectInfo } from '../lib/testing/fake-client.ts';
import { ProjectState } from '../lib/state/project.svelte.ts';
import ProjectHeader from './ProjectHeader.svelte';

afterEach(cleanup);

describe('ProjectHeader', () => {
  it('shows the name, folder and counts the engine reports', async () => {
    const client = new FakeClient({ 'project.info': () => projectInfo(), 'project.recent': () => [] });
    const state = new ProjectState(client, (e) => {
      throw e;
    });
    await state.refresh();
    render(ProjectHeader, { info: state.info!, projectsShown: false, onShowProjects: vi.fn(), onClose: vi.fn(), onRename: vi.fn() });

    expect(screen.getByTestId('project-name').textContent).toBe('Chest X-ray triage');
    expect(screen.getByTestId('project-dir').textContent).toBe('/data/chest-xray');
    expect(screen.getByTestId('count-images').textContent).toBe('12,345');
    expect(screen.getByTestId('count-labelled').textContent).toBe('678');
    expect(screen.getByTestId('count-excluded').textContent).toBe('9');
    expect(screen.getByTestId('count-classes').textContent).toBe('3');
    expect(screen.getByTestId('count-runs').textContent).toBe('2');
  });

  it('reports the buttons through its callbacks', async () => {
    const onShowProjects = vi.fn();
    const onClose = vi.fn();
    render(ProjectHeader, { info: projectInfo(), projectsShown: true, onShowProjects, onClose, onRename: vi.fn() });
    expect(screen.getByRole('button', { pressed: true }).textContent?.trim()).toBe('Back to project');
    await fireEvent.click(screen.getByRole('button', { name: 'Close project' }));
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(onShowProjects).toHaveBeenCalledTimes(0);
  });
});

describe('ProjectHeader rename', () => {
  it('renames with Enter (trimmed) and cancels with Escape, from the keyboard only', async () => {
    const onRename = vi.fn();
    render(ProjectHeader, { info: projectInfo(), projectsShown: false, onShowProjects: vi.fn(), onClose: vi.fn(), onRename });

    await fireEvent.click(screen.getByRole('button', { name: 'Rename project' }));
    const input = screen.getByRole('textbox', { name: /Project name/ }) as HTMLInputElement;
    expect(input.value).toBe('Chest X-ray triage');
    await fireEvent.input(input, { target: { value: 'Ignored' } });
    await fireEvent.keyDown(input, { key: 'Escape' });
    expect(screen.getByTestId('project-name').textContent).toBe('Chest X-ray triage');

    await fireEvent.click(screen.getByRole('button', { name: 'Rename project' }));
    const again = screen.getByRole('textbox', { name: /Project name/ });
    await fireEvent.input(again, { target: { value: '  Chest X-ray v2 ' } });
    await fireEvent.keyDown(again, { key: 'Enter' });
    expect(onRename.mock.calls).toEqual([['Chest X-ray v2']]);
  });
});
