import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Prediction } from '../../../../shared/domain/evaluation.ts';
import type { LabelTask } from '../../../../shared/domain/labels.ts';
import { AssistQueue } from '../../lib/state/assist-queue.svelte.ts';
import { FakeClient } from '../../lib/testing/fake-client.ts';
import AssistQueueView from './AssistQueue.svelte';

afterEach(cleanup);

const prediction = (imageId: number, probs: number[]): Prediction => {
  const k = probs.indexOf(Math.max(...probs));
  return { imageId, probs, predictedClass: k, predictedName: ['normal', 'effusion'][k], confidence: probs[k], entropy: 0.6, margin: 0.2, createdAt: '' };
};
const task = { id: 1, name: 'Main labels', role: 'main', mode: 'single', labelled: 0, classes: [{ id: 11, name: 'normal' }, { id: 12, name: 'effusion' }] } as LabelTask;

describe('AssistQueue', () => {
  it('pre-selects the guess, accepts it with Enter and corrects with a number key', async () => {
    let items = [prediction(7, [0.4, 0.6]), prediction(8, [0.55, 0.45])];
    const client = new FakeClient({
      'predict.list': () => ({ runId: 3, classes: ['normal', 'effusion'], total: items.length, items }),
      'predict.accept': ({ imageIds }) => ((items = items.filter((i) => !imageIds.includes(i.imageId))), { accepted: 1, unchanged: 0, batchIds: ['b'] }),
      'labels.tasks': () => [task],
      'labels.set': ({ imageIds }) => ((items = items.filter((i) => !imageIds.includes(i.imageId))), { batchId: 'c', changed: [], skipped: [], counts: {} as never }),
    });
    const queue = new AssistQueue(client, (e) => { throw e; });
    await queue.select(3);
    render(AssistQueueView, { queue, assetUrl: (p: string) => `asset/${p}` });
    expect(screen.getByTestId('assist-guess').textContent).toContain('effusion');
    expect(screen.getByTestId('assist-guess').textContent).toContain('60.0%');

    await fireEvent.keyDown(window, { key: 'Enter' });
    await vi.waitFor(() => expect(screen.getByTestId('assist-guess').textContent).toContain('normal'));
    await fireEvent.keyDown(window, { key: '2' });
    await vi.waitFor(() => expect(screen.getByTestId('assist-empty')).toBeTruthy());

    expect(client.calls.filter((c) => c.method !== 'predict.list' && c.method !== 'labels.tasks')).toEqual([
      { method: 'predict.accept', args: { runId: 3, imageIds: [7] } },
      { method: 'labels.set', args: { imageIds: [8], classIds: [12], source: 'human' } },
    ]);
    const badges = screen.getAllByRole('listitem').filter((li) => li.closest('.decisions'));
    expect(badges.map((li) => li.textContent?.replace(/\s+/g, ' ').trim())).toEqual(['effusion you', 'effusion model']);
  });
});
