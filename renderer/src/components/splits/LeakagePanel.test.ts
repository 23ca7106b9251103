import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { LeakageReport } from '../../../../shared/domain/splits.ts';
import LeakagePanel from './LeakagePanel.svelte';

afterEach(cleanup);

describe('LeakagePanel', () => {
  it('lists every leaking pair on "Show all" and hands every duplicate set to the bulk actions', async () => {
    const near = Array.from({ length: 48 }, (_, i) => ({ a: { id: 100 + i, split: 'train' as const }, b: { id: 200 + i, split: 'test' as const }, distance: 2 }));
    const leakage: LeakageReport = { groups: [], exact: [{ images: [{ id: 1, split: 'train' }, { id: 2, split: 'val' }, { id: 3, split: 'test' }] }], near, nearTotal: 48, nearThreshold: 3, withoutPhash: 0 };
    const excluded: number[][][] = [];
    const grouped: number[][][] = [];
    render(LeakagePanel, { leakage, thumbUrl: (id: number) => `t/${id}`, onOpen: () => {}, onExcludeRest: (s: number[][]) => excluded.push(s), onSameGroup: (s: number[][]) => grouped.push(s) });
    expect(screen.getAllByTestId('leakage-near')).toHaveLength(20);
    await fireEvent.click(screen.getByRole('button', { name: 'Show all' }));
    expect(screen.getAllByTestId('leakage-near')).toHaveLength(48);

    await fireEvent.click(screen.getByRole('button', { name: /^Keep the first of each of the 49 duplicate sets/ }));
    await fireEvent.click(screen.getByRole('button', { name: 'Put each set in one group' }));
    const sets = [[1, 2, 3], ...near.map((n) => [n.a.id, n.b.id])];
    expect(excluded).toEqual([sets]);
    expect(grouped).toEqual([sets]);
  });
});
