import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { OperatingPointResult } from '../../../../shared/domain/evaluation.ts';
import { point } from '../../lib/state/evaluation-fixtures.ts';
import ThresholdPicker from './ThresholdPicker.svelte';

afterEach(cleanup);

const text = (id: string) => screen.getByTestId(id).textContent?.replace(/\s+/g, ' ').trim();
/** A figures row as its cells: where, sensitivity, specificity. */
const row = (id: string) => [...screen.getByTestId(id).querySelectorAll('th, td')].map((c) => c.textContent?.replace(/\s+/g, ' ').trim());

describe('ThresholdPicker', () => {
  it('shows the figures reported on test and those on validation where the threshold was chosen, each naming its split', () => {
    render(ThresholdPicker, { classes: ['normal', 'effusion'], initialClass: 'effusion', result: point, onPick: () => {} });
    expect(text('threshold-value')).toBe('p(effusion) ≥ 0.212');
    expect(text('threshold-reported-sensitivity')).toBe('89.5% 95% CI 68.6%–97.1%');
    expect(text('threshold-reported-specificity')).toBe('62.5% 95% CI 30.6%–86.3%');
    expect(row('threshold-reported')[0]).toBe('Reported on test split, 27 images');
    expect(text('threshold-chosen-sensitivity')).toBe('94.4% 95% CI 74.2%–99.0%');
    expect(text('threshold-chosen-specificity')).toBe('65.0% 95% CI 43.3%–81.9%');
    expect(row('threshold-chosen')[0]).toBe('Chosen on validation split, 38 images');
    expect(text('threshold-note')).toBe(point.note);
    expect(screen.getByTestId('threshold-note').classList.contains('warn')).toBe(false);
    expect(screen.getByTestId('threshold-result').textContent).toContain('Counts on the test split: TP 17 · FN 2 · TN 5 · FP 3');
  });

  it('with one split, shows one row "chosen and reported on" and the optimistic note as a warning', () => {
    const same: OperatingPointResult = {
      ...point,
      chosen: point.chosen,
      reported: point.chosen,
      sameSplit: true,
      note: 'Threshold chosen and reported on the same validation split (38 images), so sensitivity and specificity are optimistic.',
    };
    render(ThresholdPicker, { classes: ['normal', 'effusion'], initialClass: 'effusion', result: same, onPick: () => {} });
    expect(row('threshold-reported')).toEqual(['Chosen and reported on validation split, 38 images', '94.4% 95% CI 74.2%–99.0%', '65.0% 95% CI 43.3%–81.9%']);
    expect(screen.queryByTestId('threshold-chosen')).toBeNull();
    expect(text('threshold-note')).toContain('optimistic');
    expect(screen.getByTestId('threshold-note').classList.contains('warn')).toBe(true);
  });

  it('asks for the chosen class and target sensitivity as a fraction', async () => {
    const picks: [string, number][] = [];
    render(ThresholdPicker, { classes: ['normal', 'effusion'], initialClass: 'effusion', result: null, onPick: (c: string, t: number) => void picks.push([c, t]) });
    await fireEvent.input(screen.getByTestId('threshold-target'), { target: { value: '80' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Find threshold' }));
    expect(picks).toEqual([['effusion', 0.8]]);
    expect(screen.queryByTestId('threshold-result')).toBeNull();
  });
});
