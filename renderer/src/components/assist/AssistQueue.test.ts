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
    const queue = new AssistQueue(client, (e) => { throw e; }, () => true, 'window-a');
    await queue.select(3);
    render(AssistQueueView, { queue, assetUrl: (p: string) => `asset/${p}` });
    expect(screen.getByTestId('assist-guess').textContent).toContain('effusion');
    expect(screen.getByTestId('assist-guess').textContent).toContain('60.0%');

    await fireEvent.keyDown(window, { key: 'Enter' });
    await vi.waitFor(() => expect(screen.getByTestId('assist-guess').textContent).toContain('normal'));
    await fireEvent.keyDown(window, { key: '2' });
    await vi.waitFor(() => expect(screen.getByTestId('assist-empty')).toBeTruthy());

    expect(client.calls.filter((c) => c.method !== 'predict.list' && c.method !== 'labels.tasks')).toEqual([
      { method: 'predict.accept', args: { runId: 3, imageIds: [7], session: 'window-a' } },
      { method: 'labels.set', args: { imageIds: [8], classIds: [12], source: 'human', session: 'window-a' } },
    ]);
    const badges = screen.getAllByRole('listitem').filter((li) => li.closest('.decisions'));
    expect(badges.map((li) => li.textContent?.replace(/\s+/g, ' ').trim())).toEqual(['effusion you', 'effusion model']);
  });

  it('takes the last accepted guess back with Ctrl+Z, as this window', async () => {
    const items = [prediction(7, [0.4, 0.6])];
    const step = { batchId: 'b', source: 'model' as const, images: 1, at: '2026-12-06T12:00:00Z' };
    const client = new FakeClient({
      'predict.list': () => ({ runId: 3, classes: ['normal', 'effusion'], total: items.length, items }),
      'labels.undo': () => ({ batchId: 'b', changed: [{ imageId: 7, taskId: 1, classIds: [] }], skipped: [], counts: {} as never, step, held: false }),
    });
    const queue = new AssistQueue(client, (e) => { throw e; }, () => true, 'window-a');
    await queue.select(3);
    render(AssistQueueView, { queue, assetUrl: (p: string) => `asset/${p}` });
    await fireEvent.keyDown(window, { key: 'z', ctrlKey: true });
    await vi.waitFor(() => expect(client.calls.some((c) => c.method === 'labels.undo')).toBe(true));
    expect(client.calls.find((c) => c.method === 'labels.undo')?.args).toEqual({ session: 'window-a', askAbove: 1 });
  });
});
