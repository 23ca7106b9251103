import { cleanup, fireEvent, render, screen, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeClient, projectInfo } from '../lib/testing/fake-client.ts';
import { metrics, point, run } from '../lib/state/evaluation-fixtures.ts';
import type { SplitReport } from '../../../shared/domain/splits.ts';
import EvaluateView from './EvaluateView.svelte';

afterEach(cleanup);

/** A split report that only says when the splits were made. */
const splitsMadeAt = (createdAt: string | null) => ({ createdAt }) as SplitReport;

describe('EvaluateView', () => {
  it('shows the stored evaluation: confusion cells by truth row, per-class rows, ROC data, an operating point and a misclassified image with its Grad-CAM', async () => {
    const client = new FakeClient({
      'runs.list': () => [run()],
      'eval.get': () => metrics(),
      'eval.threshold': () => point,
      'splits.report': () => splitsMadeAt('2026-11-28T09:00:00.000Z'),
      'labels.tasks': () => [],
      'labels.history': () => [],
      'images.get': ({ id }) => ({
        id, path: `/cxr/${id}.png`, width: 64, height: 64, format: 'png', bitDepth: 8, groupId: null, excluded: false, split: 'test', labels: [],
        duplicateOf: null, hash: 'h', fileHash: null, phash: null, frame: 0, copied: false, channels: 1, modality: 'DX',
        window: null, metadata: {}, excludeReason: null, importedAt: '2026-11-28T10:00:00.000Z', splitLocked: true, exactDuplicates: [],
      }),
    });
    render(EvaluateView, { client, info: projectInfo(), onError: (e) => { throw e; } });

    const matrix = await vi.waitFor(() => screen.getByTestId('confusion-matrix'));
    const rows = within(matrix).getAllByRole('row').slice(1);
    expect(rows.map((r) => [...r.querySelectorAll('th, td')].map((c) => c.textContent))).toEqual([
      ['normal', '4', '1', '0'],
      ['effusion', '0', '3', '1'],
      ['nodule', '1', '0', '2'],
    ]);
    expect(screen.getAllByTestId('class-row').map((r) => r.querySelector('th')?.textContent)).toEqual(['normal', 'effusion', 'nodule']);
    expect(screen.getByTestId('eval-summary').textContent).toContain('12 images · accuracy 75.0%');
    // Run (10:00) and evaluation (12:00) came after the splits (09:00): current.
    expect(screen.queryByTestId('stale-split')).toBeNull();
    expect(screen.getAllByTestId('roc-curve').map((p) => p.getAttribute('data-class'))).toEqual(['normal', 'effusion']);

    await fireEvent.change(screen.getByTestId('threshold-class'), { target: { value: 'effusion' } });
    await fireEvent.input(screen.getByTestId('threshold-target'), { target: { value: '90' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Find threshold' }));
    await vi.waitFor(() => expect(screen.getByTestId('threshold-value').textContent).toBe('p(effusion) ≥ 0.212'));
    expect(client.calls.find((c) => c.method === 'eval.threshold')?.args).toEqual({ runId: 3, className: 'effusion', targetSensitivity: 0.9 });
    // Reported on test, chosen on validation: both, each with its split.
    const cells = (id: string) => [...screen.getByTestId(id).querySelectorAll('th, td')].map((c) => c.textContent?.replace(/\s+/g, ' ').trim());
    expect(cells('threshold-reported')).toEqual(['Reported on test split, 27 images', '89.5% 95% CI 68.6%–97.1%', '62.5% 95% CI 30.6%–86.3%']);
    expect(cells('threshold-chosen')).toEqual(['Chosen on validation split, 38 images', '94.4% 95% CI 74.2%–99.0%', '65.0% 95% CI 43.3%–81.9%']);

    // Most confident mistake first: image 41 was predicted effusion at 0.6, image 57 normal at 0.5.
    expect(within(screen.getByTestId('misclassified')).getAllByRole('button').map((b) => b.getAttribute('aria-label'))).toEqual([
      'Image 41: truth normal, predicted effusion',
      'Image 57: truth nodule, predicted normal',
    ]);
    await fireEvent.click(screen.getByRole('button', { name: 'Image 57: truth nodule, predicted normal' }));
    expect(screen.getByTestId('gradcam').getAttribute('src')).toBe('fake://asset/gradcam/57?run=3&size=256');
    await fireEvent.click(screen.getByRole('button', { name: 'Open in viewer' }));
    expect(screen.getByTestId('viewer').querySelector('img')?.getAttribute('src')).toBe('fake://asset/render/57?size=1024');
    await fireEvent.keyDown(screen.getByTestId('viewer'), { key: 'Escape' });
    expect(screen.queryByTestId('viewer')).toBeNull();
  });

  it('multi-label: names accuracy per label and exact-match accuracy apart', async () => {
    const m = metrics({ multiLabel: true, accuracy: 0.9, exactMatchAccuracy: 0.6, balancedAccuracy: null, confusion: null, macro: null, weighted: null });
    const client = new FakeClient({ 'runs.list': () => [run()], 'eval.get': () => m, 'splits.report': () => splitsMadeAt(null) });
    render(EvaluateView, { client, info: projectInfo(), onError: (e) => { throw e; } });
    const summary = await vi.waitFor(() => screen.getByTestId('eval-summary'));
    expect(summary.textContent?.replace(/\s+/g, ' ')).toContain('12 images · accuracy (per label) 90.0% · exact-match accuracy 60.0% · ECE');
  });

  it('marks results computed before the splits were re-created as stale, and a run trained before them too', async () => {
    const after = (createdAt: string) =>
      new FakeClient({ 'runs.list': () => [run({ createdAt: '2026-11-28T10:00:00.000Z' })], 'eval.get': () => metrics(), 'splits.report': () => splitsMadeAt(createdAt) });
    render(EvaluateView, { client: after('2026-11-28T11:00:00.000Z'), info: projectInfo(), onError: (e) => { throw e; } });
    expect((await screen.findByTestId('stale-split')).textContent).toMatch(/^Run #3 was trained on an older split/);
    cleanup();
    // A run trained on the current split, evaluated before a later re-split.
    const client = new FakeClient({
      'runs.list': () => [run({ createdAt: '2026-11-28T12:30:00.000Z' })],
      'eval.get': () => metrics({ createdAt: '2026-11-28T12:40:00.000Z' }),
      'splits.report': () => splitsMadeAt('2026-11-28T12:00:00.000Z'),
    });
    render(EvaluateView, { client, info: projectInfo(), onError: (e) => { throw e; } });
    await screen.findByTestId('eval-summary');
    expect(screen.queryByTestId('stale-split')).toBeNull();
  });
});
