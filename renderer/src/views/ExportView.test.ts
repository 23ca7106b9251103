import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ExportInfo } from '../../../shared/domain/export.ts';
import type { RunInfo } from '../../../shared/domain/run.ts';
import type { JobState } from '../../../shared/domain/job.ts';
import { FakeClient, projectInfo } from '../lib/testing/fake-client.ts';
import ExportView from './ExportView.svelte';

afterEach(cleanup);

const run = {
  id: 4, name: 'resnet18 · top · #4', status: 'completed', backbone: 'resnet18', strategy: 'top', backend: 'wasm',
  config: { classes: ['ok', 'scratch'], multiLabel: false, imageSize: 64, epochs: 3, lr: 0.001, batchSize: 8 },
  trainableParams: 1026, totalParams: 11_177_538, trainableShare: 1026 / 11_177_538, bestEpoch: 2, bestMetric: 0.31,
  summary: { epochs: 3, stoppedEarly: false, bestEpoch: 2, valLoss: 0.31, valAccuracy: 0.9, valAuc: 0.95 },
  error: null, createdAt: '2026-11-28T10:00:00.000Z', startedAt: null, finishedAt: null, jobId: null,
} as unknown as RunInfo;

const info: ExportInfo = {
  id: 9, runId: 4, format: 'tfjs', path: '/p/exports/run-4-tfjs', files: ['model.json', 'group1-shard1of1.bin', 'model-card.md'],
  parity: { runtime: 'tf.loadGraphModel', images: 8, maxRelError: 3.2e-3, ok: false }, createdAt: '2026-11-28T11:00:00.000Z',
};

describe('ExportView', () => {
  it('exports the chosen run and format, then shows the folder, the files, the card and flags failed parity', async () => {
    const exports: ExportInfo[] = [];
    const done: JobState = { id: 'e1', kind: 'export', status: 'completed', done: 5, total: 5, message: 'Exported', startedAt: '', finishedAt: '', result: info, error: null };
    const client = new FakeClient({
      'runs.list': () => [run],
      'exports.list': () => exports,
      'exports.start': () => (exports.push(info), { jobId: 'e1' }),
      'job.wait': () => done,
    });
    render(ExportView, { client, info: projectInfo(), onError: (e) => { throw e; } });
    await vi.waitFor(() => expect(screen.getByRole('option', { name: /#4 resnet18/ })).toBeTruthy());
    await fireEvent.click(screen.getByLabelText(/^TF\.js graph model/));
    await fireEvent.click(screen.getByLabelText(/^last epoch/));
    await fireEvent.click(screen.getByRole('button', { name: 'Export' }));

    await vi.waitFor(() => expect(screen.getByTestId('export-path').textContent).toBe('/p/exports/run-4-tfjs'));
    expect(client.calls.find((c) => c.method === 'exports.start')?.args).toEqual({ runId: 4, format: 'tfjs', checkpoint: 'last' });
    expect(screen.getByTestId('export-parity').textContent).toContain('Parity NOT ok: max relative error 3.20e-3 on 8 held-out images');
    expect(screen.getByRole('alert').textContent).toContain('do not deploy it');
    expect(screen.getAllByRole('listitem').map((li) => li.textContent)).toEqual(['model.json', 'group1-shard1of1.bin', 'model-card.md']);
    expect(screen.getByTestId('model-card').textContent).toContain('ok, scratch');
    expect(screen.getByTestId('model-card').textContent).toContain('accuracy 90.0%, AUC 0.950');
  });
});
