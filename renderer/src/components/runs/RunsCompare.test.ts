import { cleanup, render } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunDetail, RunMetricRow } from '../../../../shared/domain/run.ts';
import { charts } from '../../lib/testing/fake-uplot.ts';
import RunsCompare from './RunsCompare.svelte';

vi.mock('uplot', () => import('../../lib/testing/fake-uplot.ts'));

afterEach(cleanup);

const row = (epoch: number, valLoss: number): RunMetricRow => ({
  epoch, trainLoss: valLoss, valLoss, valAccuracy: 0.5, valAuc: 0.5, alpha: null, imagesPerSec: null, learningRates: {}, extra: {}, at: '',
});
const run = (id: number, losses: number[]) => ({ id, name: `run ${id}`, metrics: losses.map((l, i) => row(i + 1, l)) }) as unknown as RunDetail;

describe('RunsCompare', () => {
  it('labels the y axis of nearly equal validation losses with distinct values', async () => {
    charts.length = 0;
    render(RunsCompare, { runs: [run(1, [1.09502, 1.09531]), run(2, [1.09561, 1.0954])] });
    await vi.waitFor(() => expect(charts.some((c) => c.opts)).toBe(true));
    const y = charts.find((c) => c.opts)!.opts!.axes![1];
    // The range uPlot gives the axis for these losses (the screenshot read "1.095" six times).
    const ticks = y.splits!(null, 1, 1.09502, 1.09561);
    const labels = y.values!(null, ticks);
    expect(labels).toEqual(['1.0951', '1.0952', '1.0953', '1.0954', '1.0955', '1.0956']);
    expect(charts.find((c) => c.opts)!.data.slice(1)).toEqual([[1.09502, 1.09531], [1.09561, 1.0954]]);
  });
});
