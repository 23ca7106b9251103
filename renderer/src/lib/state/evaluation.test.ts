import { describe, expect, it } from 'vitest';
import type { EvaluationMetrics } from '../../../../shared/domain/evaluation.ts';
import type { JobState } from '../../../../shared/domain/job.ts';
import { FakeClient } from '../testing/fake-client.ts';
import { SERIES_COLOURS } from '../../components/charts/chart-data.ts';
import { EvaluationState, rocCurves } from './evaluation.svelte.ts';
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
    expect([state.operatingPoint?.chosen.split, state.operatingPoint?.reported.split]).toEqual(['val', 'test']);
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

  it('gives one ROC curve per class that has one, point for point with its thresholds, in the class colour', () => {
    const curves = rocCurves(metrics());
    expect(curves.map((c) => [c.name, c.auc, c.colour])).toEqual([['normal', 0.9, SERIES_COLOURS[0]], ['effusion', 0.8, SERIES_COLOURS[1]]]);
    expect(curves[0].points).toEqual([
      { fpr: 0, tpr: 0, threshold: null },
      { fpr: 0, tpr: 0.5, threshold: 0.9 },
      { fpr: 0.5, tpr: 1, threshold: 0.4 },
      { fpr: 1, tpr: 1, threshold: 0.1 },
    ]);
    expect(curves[1].points.map((p) => [p.fpr, p.tpr])).toEqual([[0, 0], [0.25, 0.5], [1, 1]]);
  });

  it('binary tasks: only the positive class curve, still in that class colour', () => {
    const m = metrics({ classes: ['ok', 'defect'], positiveClass: 1, perClass: [classEval(0, 'ok'), classEval(1, 'defect', { auc: 0.95 })] });
    expect(rocCurves(m).map((c) => [c.name, c.auc, c.colour])).toEqual([['defect', 0.95, SERIES_COLOURS[1]]]);
  });
});
