import { describe, expect, it, vi } from 'vitest';
import type { RunDetail, RunInfo, RunMetricRow, RunProgress } from '../../../../shared/domain/run.ts';
import { FakeClient } from '../testing/fake-client.ts';
import { compareChart, RunsState } from './runs.svelte.ts';

function row(epoch: number, over: Partial<RunMetricRow> = {}): RunMetricRow {
  return {
    epoch,
    trainLoss: 1 / epoch,
    valLoss: 1.2 / epoch,
    valAccuracy: 0.5 + epoch / 10,
    valAuc: 0.6 + epoch / 10,
    alpha: null,
    imagesPerSec: 40,
    learningRates: { head: 0.01, 'stage 4': 0.001 },
    extra: {},
    at: '2026-11-28T10:00:00.000Z',
    ...over,
  };
}

function progress(over: Partial<RunProgress>): RunProgress {
  return {
    runId: 7, jobId: 'j7', phase: 'training', epoch: 1, epochs: 2, step: 1, steps: 4, loss: 0.9,
    learningRates: { head: 0.01, 'stage 4': 0.001 }, alpha: null, imagesPerSec: 50, etaSeconds: 12, metrics: null, backend: 'wasm',
    ...over,
  };
}

function runInfo(over: Partial<RunInfo> = {}): RunInfo {
  return {
    id: 7, name: 'resnet18 · top · #1', status: 'running', backbone: 'resnet18', strategy: 'top',
    config: {} as RunInfo['config'], backend: 'wasm', trainableParams: 1026, totalParams: 11_177_538, trainableShare: 1026 / 11_177_538,
    bestEpoch: null, bestMetric: null, summary: null, error: null, createdAt: '2026-11-28T10:00:00.000Z',
    startedAt: '2026-11-28T10:00:01.000Z', finishedAt: null, jobId: 'j7', ...over,
  };
}

describe('RunsState', () => {
  it('builds the live chart series from run.progress events, steps and epoch ends on one axis', async () => {
    const client = new FakeClient({ 'runs.list': () => [runInfo()], 'runs.start': () => ({ runId: 7, jobId: 'j7' }) });
    const runs = new RunsState(client, (e) => {
      throw e;
    });
    runs.start();
    // The trainer can report before runs.start answers: that event must not be lost.
    client.emit('run.progress', progress({ step: 2, loss: 0.8 }));
    await runs.startRun({ backbone: 'resnet18', strategy: 'top', epochs: 2 });
    client.emit('run.progress', progress({ step: 4, loss: 0.7 }));
    client.emit('run.progress', progress({ phase: 'epoch-end', step: 4, metrics: row(1) }));
    client.emit('run.progress', progress({ runId: 99, loss: 5 }));
    client.emit('run.progress', progress({ epoch: 2, step: 2, loss: 0.5, learningRates: { head: 0.005, 'stage 4': 0.0005 } }));
    client.emit('run.progress', progress({ phase: 'epoch-end', epoch: 2, step: 4, metrics: row(2, { learningRates: { head: 0.004, 'stage 4': 0.0004 } }) }));

    const live = runs.live!;
    expect(live.loss.x).toEqual([0.5, 1, 1.5, 2]);
    expect(live.loss.series.map((s) => [s.label, s.values])).toEqual([
      ['loss per step', [0.8, 0.7, 0.5, null]],
      ['train loss', [null, 1, null, 0.5]],
      ['val loss', [null, 1.2, null, 0.6]],
    ]);
    expect(live.validation.series.map((s) => s.values)).toEqual([[0.6, 0.7], [0.7, 0.8]].map(([a, b]) => [expect.closeTo(a), expect.closeTo(b)]));
    expect(live.learningRates.series.map((s) => [s.label, s.values])).toEqual([
      ['lr head', [0.01, 0.01, 0.005, 0.004]],
      ['lr stage 4', [0.001, 0.001, 0.0005, 0.0004]],
    ]);
    expect(live.hasAlpha).toBe(false);
    expect([live.last?.epoch, live.last?.phase]).toEqual([2, 'epoch-end']);
    await vi.waitFor(() => expect(client.calls.filter((c) => c.method === 'runs.list').length).toBeGreaterThanOrEqual(3));
  });

  it('pause and resume go to the engine for the followed run and track its status', async () => {
    let status: RunInfo['status'] = 'running';
    const client = new FakeClient({
      'runs.list': () => [runInfo({ status })],
      'runs.start': () => ({ runId: 7, jobId: 'j7' }),
      'runs.pause': () => runInfo({ status: (status = 'paused') }),
      'runs.resume': () => ((status = 'running'), { runId: 7, jobId: 'j8' }),
    });
    const runs = new RunsState(client, (e) => {
      throw e;
    });
    await runs.startRun({ backbone: 'resnet18' });
    await runs.pause();
    expect(runs.live?.status).toBe('paused');
    await runs.resume();
    expect([runs.live?.status, runs.live?.jobId]).toEqual(['running', 'j8']);
    expect(client.calls.filter((c) => c.method !== 'runs.list').map((c) => [c.method, c.args])).toEqual([
      ['runs.start', { backbone: 'resnet18' }],
      ['runs.pause', { runId: 7 }],
      ['runs.resume', { runId: 7 }],
    ]);
  });

  it('compares runs on one chart: one series per run over the union of their epochs', () => {
    const a = { ...runInfo({ id: 1, name: 'a' }), metrics: [row(1), row(2)], checkpoints: [] } satisfies RunDetail;
    const b = { ...runInfo({ id: 2, name: 'b' }), metrics: [row(1, { valLoss: 0.3 }), row(2, { valLoss: 0.2 }), row(3, { valLoss: 0.1 })], checkpoints: [] };
    const chart = compareChart([a, b], 'valLoss');
    expect(chart.x).toEqual([1, 2, 3]);
    expect(chart.series.map((s) => [s.label, s.values])).toEqual([
      ['#1 resnet18 · top · a', [1.2, 0.6, null]],
      ['#2 resnet18 · top · b', [0.3, 0.2, 0.1]],
    ]);
  });
});
