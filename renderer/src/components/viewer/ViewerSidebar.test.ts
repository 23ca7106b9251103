import { cleanup, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImageDetail } from '../../../../shared/domain/images.ts';
import type { LabelEvent } from '../../../../shared/domain/labels.ts';
import ViewerSidebar from './ViewerSidebar.svelte';

afterEach(cleanup);

const detail = {
  id: 5, path: '/cxr/5.png', width: 64, height: 64, format: 'png', bitDepth: 8, groupId: null, excluded: false, split: null, labels: [12],
  fromModel: { runId: 7 }, duplicateOf: null, hash: 'h', fileHash: null, phash: null, frame: 0, copied: false, channels: 1, modality: null,
  window: null, metadata: {}, excludeReason: null, importedAt: '2026-12-06T09:00:00.000Z', splitLocked: false, exactDuplicates: [],
} as ImageDetail;
const event = (id: number, source: LabelEvent['source'], runId: number | null, old: number[], next: number[]): LabelEvent => ({
  id, at: '2026-12-06T09:00:00.000Z', imageId: 5, taskId: 1, taskRole: 'main', old, new: next, source, batchId: `b${id}`, undone: false, session: null, runId,
});

describe('ViewerSidebar label history', () => {
  it('names the run of an accepted model guess and tells it from a person’s label', () => {
    const history = [event(3, 'redo', 7, [11], [12]), event(2, 'human', null, [12], [11]), event(1, 'model', 7, [], [12])];
    render(ViewerSidebar, { detail, history, className: (id: number) => (id === 11 ? 'normal' : 'effusion'), onToggleExcluded: () => {} });
    expect(screen.getAllByTestId('history-source').map((s) => s.textContent)).toEqual(['redo of model run #7', 'human', 'accepted from model run #7']);
    const rows = screen.getByTestId('label-history').querySelectorAll('li');
    expect([...rows].map((li) => li.classList.contains('from-model'))).toEqual([false, false, true]);
  });
});
