import { cleanup, fireEvent, render, screen, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ShellClient } from '../lib/api/bridge-client.ts';
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

  it('in the desktop app, Browse… fills the path from the system dialog; browser mode has no Browse button', async () => {
    const asked: unknown[] = [];
    const shell = {
      invoke: async (method: string, args: unknown) => {
        asked.push([method, args]);
        return { path: '/Volumes/USB/resnet18.safetensors' };
      },
      on: () => () => {},
    } as unknown as ShellClient;
    const client = new FakeClient({
      'weights.list': () => [weightsEntry('resnet18')],
      'weights.import': ({ arch }) => ({ ...weightsEntry(arch, { cached: true, sha256: SHA, size: 100, source: 'import' }), matchesCatalog: null }),
    });
    render(WeightsView, { client, info: projectInfo(), shell, onError: (e) => { throw e; } });
    await fireEvent.click(await screen.findByRole('button', { name: 'Import file…' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Browse…' }));
    await vi.waitFor(() => expect((screen.getByLabelText(/Weights file for resnet18/) as HTMLInputElement).value).toBe('/Volumes/USB/resnet18.safetensors'));
    expect(asked).toEqual([['dialog.openFile', { title: 'Pretrained weights for resnet18', extensions: ['safetensors'] }]]);
    await fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    await vi.waitFor(() => expect(screen.getByTestId('weights-row-status').textContent).toBe('present'));
    expect(client.calls.find((c) => c.method === 'weights.import')?.args).toEqual({ arch: 'resnet18', path: '/Volumes/USB/resnet18.safetensors' });
    cleanup();

    // Browser mode: no shell, only the typed path.
    render(WeightsView, { client, info: projectInfo(), onError: (e) => { throw e; } });
    await fireEvent.click(await screen.findByRole('button', { name: 'Import file…' }));
    expect(screen.getByLabelText(/Weights file for resnet18/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Browse…' })).toBeNull();
  });
});
