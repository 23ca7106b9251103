import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunDetail, RunInfo } from '../../../shared/domain/run.ts';
import { Navigation } from '../lib/state/navigation.svelte.ts';
import { FakeClient, projectInfo } from '../lib/testing/fake-client.ts';
import '../lib/testing/fake-uplot.ts';
import RunsView from './RunsView.svelte';

vi.mock('uplot', () => import('../lib/testing/fake-uplot.ts'));

afterEach(cleanup);

const run = (id: number) => ({
  id, name: `run ${id}`, status: 'completed', backbone: 'resnet18', strategy: 'top', config: { epochs: 2 }, backend: 'cpu', trainableParams: 1, totalParams: 2,
  trainableShare: 0.5, bestEpoch: 2, bestMetric: 0.4, summary: null, error: null, createdAt: '2026-11-28T10:00:00.000Z', startedAt: null, finishedAt: null, jobId: null,
}) as unknown as RunInfo;

describe('RunsView after a reload', () => {
  it('ticks the runs the hash says were compared, and writes what the user ticks next', async () => {
    const urls: string[] = [];
    const dir = encodeURIComponent('/data/chest-xray');
    const nav = new Navigation({ location: { hash: `#project=${dir}&view=runs&compare=2,9`, pathname: '/', search: '' }, history: { replaceState: (_d, _u, url) => void urls.push(url) } });
    const client = new FakeClient({
      'runs.list': () => [run(2), run(1)],
      'runs.get': ({ runId }) => ({ ...run(runId), metrics: [], checkpoints: [] }) as RunDetail,
      'splits.report': () => new Promise(() => {}),
    });
    render(RunsView, { client, info: projectInfo(), onError: (e) => { throw e; }, nav });
    await vi.waitFor(() => expect((screen.getByLabelText('Compare run #2') as HTMLInputElement).checked).toBe(true));
    expect((screen.getByLabelText('Compare run #1') as HTMLInputElement).checked).toBe(false);
    await screen.findByTestId('chart-compare');
    // Run 9 is gone (deleted, or another project's): not asked for.
    expect(client.calls.filter((c) => c.method === 'runs.get').map((c) => c.args)).toEqual([{ runId: 2 }]);
    await fireEvent.click(screen.getByLabelText('Compare run #1'));
    await vi.waitFor(() => expect(urls.at(-1)).toBe(`/#project=${dir}&view=runs&compare=2%2C1`));
  });
});
