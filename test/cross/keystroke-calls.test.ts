import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineClient, EventName } from '../../shared/contract/index.ts';
import { type TestEngine, createTestProject } from '../../electron/engine/testing/test-engine.ts';
import { seedImages } from '../../electron/engine/testing/seed-images.ts';
import { DatasetState } from '../../renderer/src/lib/state/dataset.svelte.ts';
import { LabellingState } from '../../renderer/src/lib/state/labelling.svelte.ts';
import { ProjectState } from '../../renderer/src/lib/state/project.svelte.ts';

/**
 * What one key of the labelling grid costs, counted between the renderer's states (wired the way
 * App and DatasetView wire them) and a real engine: engine calls and the events that reach the
 * window. Issue 16 measured 6 calls and 2 events per key (counts fetched twice, the project
 * recounted for project.changed, the recent list reloaded); a key should be one call and one event.
 */
let t: TestEngine;
let calls: string[];
/** Events the engine emitted (each reaches every listener of the window once). */
let events: string[];
let window: { project: ProjectState; dataset: DatasetState; labelling: LabellingState };

/** A client that records every call and every event delivered to a listener. */
function counting(inner: EngineClient): EngineClient {
  return {
    invoke: (method, args) => {
      calls.push(method);
      return inner.invoke(method, args);
    },
    on: (event, listener) => inner.on(event, listener),
    assetUrl: (path) => inner.assetUrl(path),
  };
}

const settle = () => new Promise((r) => setTimeout(r, 20));
const fail = (e: unknown) => {
  throw e;
};

beforeEach(async () => {
  t = await createTestProject();
  seedImages(t.engine.ctx.project().db, 40);
  for (const name of ['normal', 'opacity']) await t.client.invoke('labels.addClass', { name });
  calls = [];
  events = [];
  t.engine.ctx.events.subscribe((event) => events.push(event));
  const client = counting(t.client);
  const project = new ProjectState(client, fail);
  project.start();
  const dataset = new DatasetState(client, fail);
  client.on('labels.changed', (e) => dataset.onLabelsChanged(e));
  client.on('images.excluded', (e) => dataset.onExcluded(e));
  await dataset.setFilter({});
  window = { project, dataset, labelling: new LabellingState(client, dataset, fail) };
  await settle();
  calls.length = 0;
  events.length = 0;
});
afterEach(() => t.dispose());

/** Press a key and report the calls and events it caused. */
async function press(key: string, mods: { ctrlKey?: boolean } = {}): Promise<{ calls: string[]; events: EventName[] }> {
  const from = { calls: calls.length, events: events.length };
  expect(window.labelling.handleKey({ key, ...mods })).toBe(true);
  await settle();
  return { calls: calls.slice(from.calls), events: events.slice(from.events) as EventName[] };
}

describe('one labelling key', () => {
  it('is one engine call and one event, for a label, undo, redo and exclusion', async () => {
    expect(await press('1')).toEqual({ calls: ['labels.set'], events: ['labels.changed'] });
    expect(await press('2')).toEqual({ calls: ['labels.set'], events: ['labels.changed'] });
    expect(await press('z', { ctrlKey: true })).toEqual({ calls: ['labels.undo'], events: ['labels.changed'] });
    expect(await press('y', { ctrlKey: true })).toEqual({ calls: ['labels.redo'], events: ['labels.changed'] });
    expect(await press('x')).toEqual({ calls: ['images.exclude'], events: ['images.excluded'] });
  });

  it('leaves the window showing what a recount shows', async () => {
    for (const key of ['1', '2', '2', 'x', '1']) await press(key);
    await press('z', { ctrlKey: true });
    const { dataset, project } = window;
    expect(dataset.counts).toEqual(await t.client.invoke('images.counts', { filter: {} }));
    expect(dataset.tasks).toEqual(await t.client.invoke('labels.tasks', {}));
    expect(project.info?.counts).toEqual((await t.client.invoke('project.info', {})).counts);
    expect(project.info?.counts).toMatchObject({ labelled: 3, excluded: 1 });
  });
});
