import { describe, expect, it } from 'vitest';
import { notFound } from '../../../../shared/contract/errors.ts';
import { FakeClient, countsMoved, projectInfo } from '../testing/fake-client.ts';
import { ProjectState } from './project.svelte.ts';

describe('ProjectState', () => {
  it('after a reload opens the project the window showed when the engine has none open, once', async () => {
    let open: string | null = null;
    const client = new FakeClient({
      'project.info': () => {
        if (!open) throw notFound('No project is open.');
        return projectInfo({ dir: open });
      },
      'project.open': ({ dir }) => projectInfo({ dir: (open = dir) }),
      'project.recent': () => [],
    });
    const state = new ProjectState(client, (e) => {
      throw e;
    }, '/data/wrists');
    expect(state.loaded).toBe(false);
    await state.refresh();
    expect([state.loaded, state.info?.dir]).toEqual([true, '/data/wrists']);
    // Closed since: a later refresh (a reconnect) does not reopen it.
    open = null;
    state.info = null;
    await state.refresh();
    expect(state.info).toBeNull();
    expect(client.calls.filter((c) => c.method === 'project.open')).toEqual([{ method: 'project.open', args: { dir: '/data/wrists' } }]);
  });

  it('leaves the engine\'s open project alone when the window showed another one', async () => {
    const client = new FakeClient({ 'project.info': () => projectInfo({ dir: '/data/opened-elsewhere' }), 'project.recent': () => [] });
    const state = new ProjectState(client, (e) => {
      throw e;
    }, '/data/wrists');
    await state.refresh();
    expect(state.info?.dir).toBe('/data/opened-elsewhere');
    expect(client.calls.map((c) => c.method)).toEqual(['project.info', 'project.recent']);
  });

  it('a project.changed event that arrives while project.info is pending wins over the stale answer', async () => {
    let answer: (v: never) => void = () => {};
    const client = new FakeClient({
      'project.info': () => new Promise((_resolve, reject) => (answer = () => reject(notFound('No project is open.')))),
      'project.recent': () => [],
    });
    const errors: unknown[] = [];
    const state = new ProjectState(client, (e) => errors.push(e));
    state.start();
    client.emit('project.changed', projectInfo({ name: 'Opened meanwhile' }));
    answer(undefined as never);
    await new Promise((r) => setTimeout(r, 0));
    expect(state.info?.name).toBe('Opened meanwhile');
    expect(errors).toEqual([]);
  });

  it('reports errors other than "no project open" and keeps the recent list', async () => {
    const client = new FakeClient({
      'project.info': () => {
        throw new Error('disk full');
      },
      'project.recent': () => [{ dir: '/a', name: 'A', openedAt: '2026-11-28T00:00:00.000Z' }],
    });
    const errors: unknown[] = [];
    const state = new ProjectState(client, (e) => errors.push(e));
    await state.refresh();
    expect(errors.map((e) => (e as Error).message)).toEqual(['disk full']);
    expect(state.recent.map((r) => r.name)).toEqual(['A']);
  });

  it('label and exclusion events move the header counts; only a new project or name reloads the recent list', async () => {
    const client = new FakeClient({ 'project.info': () => projectInfo(), 'project.recent': () => [] });
    const state = new ProjectState(client, () => {});
    state.start();
    await new Promise((r) => setTimeout(r, 0));
    const recent = () => client.calls.filter((c) => c.method === 'project.recent').length;
    expect(recent()).toBe(1);
    client.emit('labels.changed', { imageIds: [1, 2], counts: countsMoved({ unlabeled: -2 }).counts, clientId: 'any' });
    client.emit('images.excluded', { imageIds: [3], excluded: true, counts: countsMoved({ excluded: 1 }).counts });
    client.emit('labels.changed', { imageIds: [4] });
    expect(state.info?.counts).toMatchObject({ labelled: 680, excluded: 10 });
    client.emit('project.changed', projectInfo({ counts: { ...projectInfo().counts, runs: 3 } }));
    expect(recent()).toBe(1);
    client.emit('project.changed', projectInfo({ name: 'Renamed' }));
    expect(recent()).toBe(2);
  });
});
