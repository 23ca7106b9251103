import { describe, expect, it } from 'vitest';
import type { EvaluationMetrics } from '../../../../shared/domain/evaluation.ts';
import type { JobState } from '../../../../shared/domain/job.ts';
import { FakeClient } from '../testing/fake-client.ts';
import { EvaluationState, rocChart } from './evaluation.svelte.ts';
import { classEval, metrics, point, run } from './evaluation-fixtures.ts';

const fail = (e: unknown): never => {
  throw e;
};

describe('EvaluationState', () => {
  it('picks the newest completed run, evaluates it as a job, then shows the stored confusion matrix and asks for thresholds of that run', async () => {
    let stored: EvaluationMetrics | null = null;
    const done: JobState = { id: 'ev1', kind: 'eval', status: 'completed', done: 12, total: 12, message: 'Evaluated', startedAt: '', finishedAt: '', result: null, error: null };
    const client = new FakeClient({
      'runs.list': () => [run({ id: 5, status: 'running' }), run(), run({ id: 2, status: 'failed' })],
      'eval.get': () => stored,
      'eval.run': () => ((stored = metrics()), { jobId: 'ev1' }),
      'job.wait': () => done,
      'eval.threshold': () => point,
    });
    const state = new EvaluationState(client, fail);
    await state.loadRuns();
    expect(state.completed.map((r) => r.id)).toEqual([3]);
    expect([state.runId, state.metrics]).toEqual([3, null]);

    await state.evaluate('test');
    expect(state.job).toBeNull();
    expect(state.metrics?.confusion).toEqual([[4, 1, 0], [0, 3, 1], [1, 0, 2]]);
    await state.threshold('effusion', 0.9);
    expect(state.operatingPoint?.threshold).toBe(0.2125);
    expect(client.calls.map((c) => [c.method, c.args])).toEqual([
      ['runs.list', {}],
      ['eval.get', { runId: 3 }],
      ['eval.run', { runId: 3, split: 'test' }],
      ['job.wait', { jobId: 'ev1' }],
      ['eval.get', { runId: 3 }],
      ['eval.threshold', { runId: 3, className: 'effusion', targetSensitivity: 0.9 }],
    ]);
  });

  it('says a failed evaluation in place and keeps no result', async () => {
    const failed: JobState = {
      id: 'ev2', kind: 'eval', status: 'failed', done: 0, total: null, message: '', startedAt: '', finishedAt: '', result: null,
      error: { code: 'validation', message: 'Run #3 has no test images: make splits first.' },
    };
    const client = new FakeClient({ 'runs.list': () => [run()], 'eval.get': () => null, 'eval.run': () => ({ jobId: 'ev2' }), 'job.wait': () => failed });
    const state = new EvaluationState(client, fail);
    await state.loadRuns();
    await state.evaluate();
    expect([state.failure, state.metrics, state.job]).toEqual(['Run #3 has no test images: make splits first.', null, null]);
  });

  it('draws one ROC curve per class that has one, each keeping its steps, plus the chance diagonal', () => {
    const chart = rocChart(metrics());
    expect(chart.series.map((s) => s.label)).toEqual(['normal (AUC 0.900)', 'effusion (AUC 0.800)', 'chance']);
    expect(chart.x).toEqual([0, 0, 0, 0, 0.25, 0.5, 1, 1, 1]);
    const curve = (i: number) => chart.x.flatMap((x, r) => (chart.series[i].values[r] === null ? [] : [[x, chart.series[i].values[r]]]));
    expect(curve(0)).toEqual([[0, 0], [0, 0.5], [0.5, 1], [1, 1]]);
    expect(curve(1)).toEqual([[0, 0], [0.25, 0.5], [1, 1]]);
    expect(curve(2)).toEqual([[0, 0], [1, 1]]);
  });

  it('binary tasks: only the positive class curve', () => {
    const m = metrics({ classes: ['ok', 'defect'], positiveClass: 1, perClass: [classEval(0, 'ok'), classEval(1, 'defect', { auc: 0.95 })] });
    expect(rocChart(m).series.map((s) => s.label)).toEqual(['defect (AUC 0.950)', 'chance']);
  });
});
