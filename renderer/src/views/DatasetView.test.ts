import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ImageSummary } from '../../../shared/domain/images.ts';
import type { LabelTask } from '../../../shared/domain/labels.ts';
import { Navigation } from '../lib/state/navigation.svelte.ts';
import { type Answers, FakeClient, countsMoved, projectInfo } from '../lib/testing/fake-client.ts';
import DatasetView from './DatasetView.svelte';

afterEach(cleanup);
// jsdom lays nothing out: the grid measures 0x0 and shows its overscan rows (3 cells in one column).
vi.stubGlobal('ResizeObserver', class { observe() {} unobserve() {} disconnect() {} });

const TASK: LabelTask = {
  id: 1, name: 'Main labels', role: 'main', mode: 'single', labelled: 0,
  classes: [
    { id: 11, taskId: 1, name: 'normal', position: 0, color: null, shortcut: null, count: 0 },
    { id: 12, taskId: 1, name: 'fracture', position: 1, color: null, shortcut: 'f', count: 0 },
  ],
};

function engine(answers: Answers = {}) {
  // The viewer remembers windows per pixel hash for the whole app run: each test gets its own hashes.
  const salt = Math.random().toString(36).slice(2);
  const images: ImageSummary[] = Array.from({ length: 5 }, (_, i) => ({
    id: 201 + i, path: `/hands/${i}.png`, width: 64, height: 64, format: 'png', bitDepth: 8, groupId: null,
    excluded: false, split: null, labels: [], duplicateOf: null,
  }));
  return new FakeClient({
    'images.list': ({ offset = 0, limit = 200 }) => ({ total: images.length, items: images.slice(offset, offset + limit) }),
    'images.counts': () => ({ total: 5, anyClass: 5, perClass: { 11: 0, 12: 0 }, unlabeled: 5, excluded: 0, perSplit: { train: 0, val: 0, test: 0, none: 5 } }),
    'labels.tasks': () => [TASK],
    'labels.set': ({ imageIds, classIds }) => ({
      batchId: 'b', changed: imageIds.map((imageId) => ({ imageId, taskId: 1, classIds })), skipped: [],
      ...countsMoved({ perClass: { [classIds[0]]: imageIds.length }, unlabeled: -imageIds.length, labelledPerTask: { 1: imageIds.length } }),
    }),
    'images.get': ({ id }) => ({
      ...images[id - 201], hash: `h${id}-${salt}`, fileHash: null, phash: null, frame: 0, copied: false, channels: 1, modality: 'DX',
      window: { center: 2048, width: 4096 }, metadata: {}, excludeReason: null, importedAt: '2026-11-28T10:00:00.000Z',
      splitLocked: false, exactDuplicates: [],
    }),
    'labels.history': () => [],
    'images.levels': () => ({ min: 1000, max: 41_000, percentiles: Array.from({ length: 101 }, (_, p) => 1000 + p * 400) }),
    'labels.undo': () => ({
      batchId: 'b', changed: [{ imageId: 201, taskId: 1, classIds: [] }], skipped: [],
      step: { batchId: 'b', source: 'human', images: 1, at: '2026-12-06T09:00:00.000Z' }, held: false,
      ...countsMoved({ perClass: { 12: -1 }, unlabeled: 1, labelledPerTask: { 1: -1 } }),
    }),
    'runs.list': () => [{ id: 4, status: 'completed' } as never],
    'explain.gradcam': ({ runId, imageId }) => ({
      runId, imageId, classIndex: 1, className: 'fracture', probs: [0.2, 0.8],
      grid: { width: 1, height: 1, values: [1] }, heatmap: { width: 1, height: 1, values: [1] },
    }),
    // The fake lists images 201..205 unfiltered, by id.
    'images.locate': ({ id }) => ({ position: id >= 201 && id <= 205 ? id - 201 : null }),
    ...answers,
  });
}

/** A window whose URL hash the view reads on mount and writes back, as a reload finds it. */
function reloadedAt(hash: string) {
  const urls: string[] = [];
  const win = { location: { hash, pathname: '/', search: '' }, history: { replaceState: (_d: unknown, _u: string, url: string) => void urls.push(url) } };
  return { nav: new Navigation(win), urls };
}

describe('DatasetView', () => {
  it('labels with number keys and shortcut letters, advancing, and undoes with ctrl+Z', async () => {
    const client = engine();
    render(DatasetView, { client, info: projectInfo(), onError: vi.fn() });
    const grid = await screen.findByTestId('dataset-grid');
    await vi.waitFor(() => expect(screen.getAllByTestId('cell-labels').length).toBeGreaterThanOrEqual(3));

    await fireEvent.keyDown(grid, { key: '2' });
    await fireEvent.keyDown(grid, { key: 'f' });
    await vi.waitFor(() => expect(screen.getAllByTestId('cell-labels').slice(0, 3).map((c) => c.textContent)).toEqual(['fracture', 'fracture', 'unlabeled']));
    const clientId = expect.stringMatching(/^view-/);
    expect(client.calls.filter((c) => c.method === 'labels.set').map((c) => c.args)).toEqual([
      { imageIds: [201], classIds: [12], mode: 'replace', filter: {}, clientId, session: expect.stringMatching(/^s-/) },
      { imageIds: [202], classIds: [12], mode: 'replace', filter: {}, clientId, session: expect.stringMatching(/^s-/) },
    ]);
    // The answers carry the counts: the class bar moves without asking for counts again.
    const fracture = () => screen.getAllByTestId('class-count')[1].textContent;
    await vi.waitFor(() => expect(fracture()).toBe('2'));
    expect(client.calls.filter((c) => c.method === 'images.counts' || c.method === 'labels.tasks')).toHaveLength(2);
    expect(grid.getAttribute('aria-activedescendant')).toBe('img-203');

    await fireEvent.keyDown(grid, { key: 'z', ctrlKey: true });
    await vi.waitFor(() => expect(screen.getAllByTestId('cell-labels')[0].textContent).toBe('unlabeled'));
    expect(client.calls.filter((c) => c.method === 'labels.undo')).toHaveLength(1);
    expect(fracture()).toBe('1');
  });

  it('selects a range with shift-click and toggles with ctrl-click', async () => {
    render(DatasetView, { client: engine(), info: projectInfo(), onError: vi.fn() });
    await vi.waitFor(() => expect(screen.getAllByTestId('grid-cell').length).toBeGreaterThanOrEqual(3));
    const cells = screen.getAllByTestId('grid-cell');
    await fireEvent.click(cells[0]);
    await fireEvent.click(cells[2], { shiftKey: true });
    expect(screen.getByTestId('selection-count').textContent).toBe('3 selected');
    await fireEvent.click(cells[1], { ctrlKey: true });
    expect(screen.getByTestId('selection-count').textContent).toBe('2 selected');
    expect(cells.map((c) => c.getAttribute('aria-selected'))).toEqual(['true', 'false', 'true', ...cells.slice(3).map(() => 'false')]);
  });

  it('shows the shortcut sheet on ?', async () => {
    render(DatasetView, { client: engine(), info: projectInfo(), onError: vi.fn() });
    const grid = await screen.findByTestId('dataset-grid');
    await fireEvent.keyDown(grid, { key: '?' });
    expect((await screen.findByTestId('shortcut-sheet')).textContent).toContain('Undo / redo');
  });

  it('opens the viewer on Enter with the image rendered through render/ and closes it on Escape', async () => {
    render(DatasetView, { client: engine(), info: projectInfo(), onError: vi.fn() });
    const grid = await screen.findByTestId('dataset-grid');
    await vi.waitFor(() => expect(screen.getAllByTestId('grid-cell').length).toBeGreaterThanOrEqual(3));
    await fireEvent.keyDown(grid, { key: 'ArrowRight' });
    await fireEvent.keyDown(grid, { key: 'Enter' });
    const viewer = await screen.findByTestId('viewer');
    expect(viewer.querySelector('img')?.getAttribute('src')).toBe('fake://asset/render/202?size=1024');
    await vi.waitFor(() => expect(screen.getByTestId('viewer-window').textContent).toContain('W 4096 / L 2048'));
    // A radiograph gets percentile presets, not CT's Hounsfield windows.
    expect(screen.getAllByTestId('viewer-preset').map((b) => b.textContent)).toEqual(['Auto', 'Full range', 'Soft (2-75%)', 'Bone (40-99%)']);
    await fireEvent.click(screen.getByRole('button', { name: 'Full range' }));
    await vi.waitFor(() => expect(viewer.querySelector('img')?.getAttribute('src')).toBe('fake://asset/render/202?size=1024&wc=21000&ww=40000'));
    await fireEvent.keyDown(viewer, { key: 'Escape' });
    expect(screen.queryByTestId('viewer')).toBeNull();
  });

  it('labels in the viewer with the grid\'s keys, advances, steps with arrows and j/k, and keeps each image\'s window', async () => {
    const client = engine();
    render(DatasetView, { client, info: projectInfo(), onError: vi.fn() });
    const grid = await screen.findByTestId('dataset-grid');
    await vi.waitFor(() => expect(screen.getAllByTestId('grid-cell').length).toBeGreaterThanOrEqual(3));
    await fireEvent.keyDown(grid, { key: 'Enter' });
    const viewer = await screen.findByTestId('viewer');
    const src = () => viewer.querySelector('img')?.getAttribute('src');
    expect(screen.getByTestId('viewer-position').textContent).toBe('1 / 5');
    await fireEvent.keyDown(viewer, { key: '2' });
    // Labelled 201 and moved on to 202, as the grid does.
    await vi.waitFor(() => expect(src()).toBe('fake://asset/render/202?size=1024'));
    expect(screen.getByTestId('viewer-position').textContent).toBe('2 / 5');
    await fireEvent.keyDown(viewer, { key: 'f' });
    await vi.waitFor(() => expect(src()).toBe('fake://asset/render/203?size=1024'));
    await fireEvent.click(screen.getByRole('button', { name: 'Bone (40-99%)' }));
    await vi.waitFor(() => expect(src()).toBe('fake://asset/render/203?size=1024&wc=28800&ww=23600'));
    await fireEvent.keyDown(viewer, { key: 'k' });
    await vi.waitFor(() => expect(src()).toBe('fake://asset/render/202?size=1024'));
    expect(screen.getAllByTestId('viewer-class').map((b) => b.getAttribute('aria-pressed'))).toEqual(['false', 'true']);
    await fireEvent.keyDown(viewer, { key: 'ArrowRight' });
    // Back on 203: the window chosen there is shown again.
    await vi.waitFor(() => expect(src()).toBe('fake://asset/render/203?size=1024&wc=28800&ww=23600'));
    await fireEvent.keyDown(viewer, { key: 'j' });
    await vi.waitFor(() => expect(screen.getByTestId('viewer-position').textContent).toBe('4 / 5'));
    expect(client.calls.filter((c) => c.method === 'labels.set').map((c) => (c.args as { imageIds: number[]; classIds: number[] }))).toMatchObject([
      { imageIds: [201], classIds: [12] },
      { imageIds: [202], classIds: [12] },
    ]);
  });

  it('shows the newest run\'s prediction and Grad-CAM overlay on g', async () => {
    const onError = vi.fn();
    render(DatasetView, { client: engine(), info: projectInfo(), onError });
    const grid = await screen.findByTestId('dataset-grid');
    await vi.waitFor(() => expect(screen.getAllByTestId('grid-cell').length).toBeGreaterThanOrEqual(3));
    await fireEvent.keyDown(grid, { key: 'Enter' });
    const viewer = await screen.findByTestId('viewer');
    await screen.findByRole('button', { name: /Grad-CAM run #4/ });
    await fireEvent.keyDown(viewer, { key: 'g' });
    expect(viewer.querySelector('img')?.getAttribute('src')).toBe('fake://asset/gradcam/201?run=4&size=768');
    await vi.waitFor(() => expect(screen.getByTestId('viewer-prediction').textContent).toBe('model: fracture 80.0%'));
    expect(onError).not.toHaveBeenCalled();
  });
});

describe('DatasetView over a reload', () => {
  it('opens the viewer on the image the URL names, and the URL follows the viewer until it closes', async () => {
    const { nav, urls } = reloadedAt('#project=%2Fdata%2Fchest-xray&view=dataset&image=204');
    const client = engine();
    render(DatasetView, { client, info: projectInfo(), onError: vi.fn(), nav });
    const viewer = await screen.findByTestId('viewer');
    expect(viewer.querySelector('img')?.getAttribute('src')).toBe('fake://asset/render/204?size=1024');
    expect(client.calls.filter((c) => c.method === 'images.locate').map((c) => c.args)).toEqual([{ id: 204, filter: {}, sort: 'id' }]);
    expect(screen.getByTestId('dataset-grid').getAttribute('aria-activedescendant')).toBe('img-204');
    await fireEvent.keyDown(viewer, { key: 'ArrowRight' });
    await vi.waitFor(() => expect(urls.at(-1)).toBe('/#project=%2Fdata%2Fchest-xray&view=dataset&image=205'));
    await fireEvent.keyDown(viewer, { key: 'Escape' });
    await vi.waitFor(() => expect(urls.at(-1)).toBe('/#project=%2Fdata%2Fchest-xray&view=dataset'));
  });

  it('shows the grid, quietly, when the image is gone, and drops it from the URL', async () => {
    const { nav, urls } = reloadedAt('#project=%2Fdata%2Fchest-xray&view=dataset&image=999');
    const onError = vi.fn();
    const client = engine();
    render(DatasetView, { client, info: projectInfo(), onError, nav });
    await vi.waitFor(() => expect(urls.at(-1)).toBe('/#project=%2Fdata%2Fchest-xray&view=dataset'));
    expect(client.calls.filter((c) => c.method === 'images.locate')).toHaveLength(1);
    expect(screen.queryByTestId('viewer')).toBeNull();
    expect(onError).not.toHaveBeenCalled();
    expect(screen.getByTestId('dataset-grid').getAttribute('aria-activedescendant')).toBe('img-201');
  });
});

describe('DatasetView filters', () => {
  it('filters by patient / lot group through images.list and images.counts', async () => {
    const client = engine();
    render(DatasetView, { client, info: projectInfo(), onError: vi.fn() });
    await vi.waitFor(() => expect(client.calls.some((c) => c.method === 'images.list')).toBe(true));
    const input = screen.getByTestId('filter-group') as HTMLInputElement;
    await fireEvent.change(input, { target: { value: ' P-0042 ' } });
    await vi.waitFor(() =>
      expect(client.calls.filter((c) => c.method === 'images.list').some((c) => (c.args as { filter: { groupId?: string } }).filter.groupId === 'P-0042')).toBe(true),
    );
    expect(client.calls.filter((c) => c.method === 'images.counts').some((c) => (c.args as { filter: { groupId?: string } }).filter?.groupId === 'P-0042')).toBe(true);
  });
});

describe('DatasetView sort', () => {
  it('asks images.list for the chosen order', async () => {
    const client = engine();
    render(DatasetView, { client, info: projectInfo(), onError: vi.fn() });
    await vi.waitFor(() => expect(client.calls.some((c) => c.method === 'images.list')).toBe(true));
    await fireEvent.change(screen.getByTestId('sort'), { target: { value: 'group' } });
    await vi.waitFor(() => expect(client.calls.filter((c) => c.method === 'images.list').at(-1)?.args).toMatchObject({ sort: 'group', offset: 0 }));
  });
});
