import { cleanup, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunPlan } from '../../../../shared/domain/run.ts';
import PlanSummary from './PlanSummary.svelte';

afterEach(cleanup);

const plan = (classCounts: Record<string, number>): RunPlan =>
  ({
    strategy: 'top', reason: 'small data', trainableParams: 10, totalParams: 100, trainableShare: 0.1, trainableGroups: ['head'],
    lr: 0.001, lrNote: '1e-3', learningRates: { head: 0.001 }, trainImages: 24, valImages: 8, classCounts,
    estimate: { seconds: 60, rung: 'wasm', source: 'gflops', text: 'about 1 min', memory: { peakMb: 100, budgetMb: 1000, text: '100 MB' } },
    config: { epochs: 10, imageSize: 224, batchSize: 8, seed: 1 } as RunPlan['config'],
  }) as RunPlan;

describe('PlanSummary', () => {
  it('warns that an empty class would become a model output, naming it and the fix', () => {
    render(PlanSummary, { plan: plan({ normal: 12, opacity: 12, artefact: 0 }), error: null, planning: false });
    expect(screen.getByTestId('plan-empty-classes').textContent?.replace(/\s+/g, ' ').trim()).toBe(
      'Class "artefact" has no training images, yet would become a model output the model never learns. Label images of it, or merge or delete it under Dataset → Manage classes.',
    );
  });

  it('says nothing when every class has training images', () => {
    render(PlanSummary, { plan: plan({ normal: 12, opacity: 12 }), error: null, planning: false });
    expect(screen.queryByTestId('plan-empty-classes')).toBeNull();
  });
});
