import { cleanup, fireEvent, render, screen, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeClient, projectInfo } from '../lib/testing/fake-client.ts';
import { SHA, finishedJob, weightsEntry } from '../lib/testing/weights-fixtures.ts';
import WeightsView from './WeightsView.svelte';

afterEach(cleanup);

const DAMAGED = 'The download of timm/vit_tiny_patch16_224.augreg_in21k_ft_in1k/model.safetensors is damaged: its sha256 is 0…, expected f… (from the server\'s X-Linked-Etag). The file was removed; download it again.';

describe('WeightsView', () => {
  it('lists every catalog backbone with its status, size and sha256, and shows a failed download with its message', async () => {
    const client = new FakeClient({
      'weights.list': () => [
        weightsEntry('resnet18', { cached: true, sha256: SHA, expectedSha256: SHA, size: 46_830_571, source: 'download' }),
        weightsEntry('resnet50', { downloadJob: 'j9' }),
        weightsEntry('vit_tiny_patch16_224'),
      ],
      'job.get': ({ jobId }) => finishedJob(jobId, { status: 'running', done: 1_000_000, total: 4_000_000, finishedAt: null }),
      'weights.download': () => ({ jobId: 'j10' }),
      'job.cancel': ({ jobId }) => finishedJob(jobId, { status: 'cancelled', error: { code: 'cancelled', message: 'cancelled' } }),
    });
    render(WeightsView, { client, info: projectInfo(), onError: (e) => { throw e; } });

    await vi.waitFor(() => expect(screen.getAllByTestId('weights-row')).toHaveLength(3));
    const rows = screen.getAllByTestId('weights-row');
    expect(rows.map((r) => within(r).getByTestId('weights-row-status').textContent)).toEqual(['present', 'downloading', 'not downloaded']);
    expect(within(rows[0]).getByTestId('weights-row-sha').textContent).toBe('sha256 ok (matches the catalog)');
    expect(rows[0].textContent).toContain('46.8 MB · downloaded');
    await vi.waitFor(() => expect(within(rows[1]).getByTestId('weights-bytes').textContent).toBe('1.0 MB of 4.0 MB (25%)'));
    expect(rows[2].textContent).toContain('from https://huggingface.co/timm/vit_tiny_patch16_224.augreg_in21k_ft_in1k/resolve/main/model.safetensors');
    expect(screen.getByText(/1 of 3 present/)).toBeTruthy();

    await fireEvent.click(within(rows[2]).getByRole('button', { name: 'Download weights' }));
    await vi.waitFor(() => expect(within(rows[2]).getByTestId('weights-row-status').textContent).toBe('downloading'));
    client.emit('job.finished', finishedJob('j10', { status: 'failed', error: { code: 'validation', message: DAMAGED } }));
    await vi.waitFor(() => expect(within(rows[2]).getByTestId('weights-outcome').textContent).toBe(DAMAGED));
    expect(within(rows[2]).getByTestId('weights-row-status').textContent).toBe('not downloaded');
    // The damaged file was removed: there is nothing to resume.
    expect(within(rows[2]).getByRole('button', { name: 'Download again' })).toBeTruthy();

    await fireEvent.click(within(rows[1]).getByRole('button', { name: 'Cancel download' }));
    await vi.waitFor(() => expect(within(rows[1]).getByTestId('weights-outcome').textContent).toBe('Download cancelled. Resume continues where it stopped.'));
    expect(client.calls.find((c) => c.method === 'job.cancel')?.args).toEqual({ jobId: 'j9' });
    expect(within(rows[1]).getByRole('button', { name: 'Resume download' })).toBeTruthy();
  });
});
