import { cleanup, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ImageSummary } from '../../../../shared/domain/images.ts';
import type { LabelTask } from '../../../../shared/domain/labels.ts';
import { DatasetState } from '../../lib/state/dataset.svelte.ts';
import { FakeClient } from '../../lib/testing/fake-client.ts';
import DatasetGrid from './DatasetGrid.svelte';

afterEach(cleanup);
// jsdom lays nothing out: the grid measures 0x0 and shows its overscan rows (3 cells in one column).
vi.stubGlobal('ResizeObserver', class { observe() {} unobserve() {} disconnect() {} });

const TASK = { id: 1, name: 'Main labels', role: 'main', mode: 'single', labelled: 2, classes: [{ id: 11, name: 'normal' }, { id: 12, name: 'effusion' }] } as LabelTask;
const image = (id: number, extra: Partial<ImageSummary>): ImageSummary => ({
  id, path: `/cxr/${id}.png`, width: 64, height: 64, format: 'png', bitDepth: 8, groupId: null, excluded: false, split: null, labels: [], duplicateOf: null, ...extra,
});

describe('DatasetGrid', () => {
  it("marks a label accepted from a model, naming the run, and not a person's label", async () => {
    const items = [image(1, { labels: [12], fromModel: { runId: 7 } }), image(2, { labels: [11] }), image(3, { labels: [11], fromModel: { runId: null } })];
    const client = new FakeClient({
      'images.list': () => ({ total: items.length, items }),
      'images.counts': () => ({ total: 3, anyClass: 3, perClass: { 11: 2, 12: 1 }, unlabeled: 0, excluded: 0, perSplit: { train: 0, val: 0, test: 0, none: 3 } }),
      'labels.tasks': () => [TASK],
    });
    const dataset = new DatasetState(client, (e) => { throw e; });
    await dataset.setFilter({});
    render(DatasetGrid, { dataset, thumbUrl: (id: number) => `thumb/${id}`, onKey: () => false, onOpen: () => {} });
    await vi.waitFor(() => expect(screen.getAllByTestId('grid-cell')).toHaveLength(3));
    const cells = screen.getAllByTestId('grid-cell');
    const marker = (cell: HTMLElement) => cell.querySelector('[data-testid="model-marker"]');
    expect(marker(cells[0])?.getAttribute('title')).toBe('Label accepted from model run #7');
    expect(marker(cells[1])).toBeNull();
    expect(marker(cells[2])?.getAttribute('title')).toBe('Label accepted from the model');

    // A person relabels the model's image: the marker goes; redo of a model batch brings it back.
    dataset.applyChange({ batchId: 'b', changed: [{ imageId: 1, taskId: 1, classIds: [11] }], skipped: [] });
    await vi.waitFor(() => expect(marker(screen.getAllByTestId('grid-cell')[0])).toBeNull());
    dataset.applyChange({ batchId: 'c', changed: [{ imageId: 2, taskId: 1, classIds: [12], model: { runId: 7 } }], skipped: [] });
    await vi.waitFor(() => expect(marker(screen.getAllByTestId('grid-cell')[1])?.getAttribute('title')).toBe('Label accepted from model run #7'));
  });
});
