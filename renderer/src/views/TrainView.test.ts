import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DoctorReport } from '../../../shared/contract/system.ts';
import type { RunOptions } from '../../../shared/contract/runs.ts';
import type { RunPlan } from '../../../shared/domain/run.ts';
import { FakeClient, projectInfo } from '../lib/testing/fake-client.ts';
import { charts } from '../lib/testing/fake-uplot.ts';
import TrainView from './TrainView.svelte';

// jsdom has no canvas: the fake records what the charts are given instead of drawing it.
vi.mock('uplot', () => import('../lib/testing/fake-uplot.ts'));

afterEach(cleanup);

function plan(o: RunOptions): RunPlan {
  const strategy = o.strategy === 'auto' || !o.strategy ? 'top' : o.strategy;
  return {
    strategy, reason: `${strategy}: 24 training images are few, so only the head trains.`, trainableParams: 1026, totalParams: 11_177_538,
    trainableShare: 1026 / 11_177_538, trainableGroups: ['head'], lr: 0.001, lrNote: 'Adam default for a fresh head', learningRates: { head: 0.001 },
    trainImages: 24, valImages: 8, classCounts: { normal: 12, opacity: 12 },
    config: { epochs: o.epochs ?? 10, imageSize: o.imageSize ?? 224, batchSize: 8 } as RunPlan['config'],
  };
}

const doctor = { chosen: 'wasm', override: null, rungs: [{ rung: 'tfjs-node', ok: false, reason: '@tensorflow/tfjs-node is not installed.' }], warnings: [] } as unknown as DoctorReport;

describe('TrainView', () => {
  it('shows the plan for the chosen options, re-plans when they change, and starts the run with them', async () => {
    const client = new FakeClient({
      'runs.plan': plan,
      'runs.list': () => [],
      'weights.list': () => [],
      'system.doctor': () => doctor,
      'runs.start': () => ({ runId: 3, jobId: 'j3' }),
    });
    render(TrainView, { client, info: projectInfo(), onError: (e) => { throw e; } });

    await vi.waitFor(() => expect(screen.getByTestId('plan-strategy').textContent).toBe('top'));
    expect(screen.getByTestId('plan-reason').textContent).toContain('24 training images are few');
    expect(screen.getByTestId('plan-trainable').textContent).toContain('1,026 of 11,177,538 parameters (0.01%)');
    expect(screen.getByTestId('backend-badge').textContent).toContain('Training runs on the CPU (wasm)');

    await fireEvent.click(screen.getByLabelText(/^gradual:/));
    await fireEvent.input(screen.getByLabelText('Epochs'), { target: { value: '2' } });
    await fireEvent.input(screen.getByLabelText('Image size (px)'), { target: { value: '32' } });
    await vi.waitFor(() => expect(screen.getByTestId('plan-strategy').textContent).toBe('gradual'));
    const plans = client.calls.filter((c) => c.method === 'runs.plan');
    expect(plans.at(-1)?.args).toEqual({ backbone: 'resnet18', strategy: 'gradual', epochs: 2, imageSize: 32, augment: true, horizontalFlip: false });

    await fireEvent.click(screen.getByRole('button', { name: 'Fine-tune' }));
    await vi.waitFor(() => expect(screen.getByTestId('run-monitor')).toBeTruthy());
    expect(client.calls.find((c) => c.method === 'runs.start')?.args).toEqual(plans.at(-1)?.args);

    client.emit('run.progress', {
      runId: 3, jobId: 'j3', phase: 'training', epoch: 1, epochs: 2, step: 3, steps: 6, loss: 0.69,
      learningRates: { head: 0.001 }, alpha: null, imagesPerSec: 41.5, etaSeconds: 20, metrics: null, backend: 'cpu',
    });
    await vi.waitFor(() => expect(screen.getByTestId('run-epoch').textContent).toBe('1 / 2'));
    expect(screen.getByText('41.5')).toBeTruthy();
    expect(screen.getByTestId('backend-badge').textContent).toContain('(cpu)');
    // The loss chart got the step's loss at x = 0.5 epochs.
    await vi.waitFor(() => expect(charts.some((c) => JSON.stringify(c.data) === JSON.stringify([[0.5], [0.69], [null], [null]]))).toBe(true));
    expect((screen.getByRole('button', { name: 'Fine-tune' }) as HTMLButtonElement).disabled).toBe(true);
  });
});
