import { cleanup, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../../shared/domain/run.ts';
import RunWarnings from './RunWarnings.svelte';

afterEach(cleanup);

const summary = (over: Partial<RunSummary> = {}): RunSummary => ({
  epochs: 10, stoppedEarly: false, stopReason: null, bestEpoch: 4, metricsEpoch: 4, valLoss: 1.1, valAccuracy: 0.43, valAuc: 0.5, warnings: [], ...over,
});

describe('RunWarnings', () => {
  it('shows every warning as an alert and the early-stop reason as a note', () => {
    render(RunWarnings, { summary: summary({ stoppedEarly: true, stopReason: 'Stopped early after epoch 9 of 10: …', warnings: ['The model is at chance: …'] }) });
    expect(screen.getAllByRole('alert').map((e) => e.textContent)).toEqual(['⚠ The model is at chance: …']);
    expect(screen.getByTestId('run-stop-reason').textContent).toBe('Stopped early after epoch 9 of 10: …');
  });

  it('does not repeat a NaN stop that is already a warning, and shows nothing for a healthy run', () => {
    const nan = 'The training loss became NaN or infinite at epoch 3, step 2: training stopped.';
    render(RunWarnings, { summary: summary({ stoppedEarly: true, stopReason: nan, warnings: [nan] }) });
    expect(screen.getAllByRole('alert')).toHaveLength(1);
    expect(screen.queryByTestId('run-stop-reason')).toBeNull();
    cleanup();
    render(RunWarnings, { summary: summary() });
    expect(screen.queryByTestId('run-warnings')).toBeNull();
  });
});
