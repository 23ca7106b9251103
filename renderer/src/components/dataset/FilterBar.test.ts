import { cleanup, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImageCounts } from '../../../../shared/domain/images.ts';
import type { LabelClass } from '../../../../shared/domain/labels.ts';
import FilterBar from './FilterBar.svelte';

afterEach(cleanup);

const classes = [
  { id: 11, name: 'normal' },
  { id: 12, name: 'opacity' },
] as LabelClass[];

describe('FilterBar', () => {
  it("shows each menu's faceted counts: the class menu's All and classes while a class filter is on", () => {
    // images.counts of { classIds: [11], split: 'train' }: 5 shown; without the class filter 12 in train.
    const counts: ImageCounts = { total: 5, anyClass: 12, perClass: { 11: 5, 12: 4 }, unlabeled: 3, excluded: 1, perSplit: { train: 5, val: 2, test: 1, none: 0 } };
    render(FilterBar, { filter: { classIds: [11], split: 'train' }, sort: 'id', onSort: () => {}, classes, counts, onChange: () => {} });
    const options = (testId: string) => [...screen.getByTestId(testId).querySelectorAll('option')].map((o) => o.textContent);
    expect(options('filter-class')).toEqual(['All (12)', 'Unlabeled (3)', 'normal (5)', 'opacity (4)']);
    expect(options('filter-split')).toEqual(['Any', 'train (5)', 'val (2)', 'test (1)', 'none (0)']);
    expect(options('filter-source')).toEqual(['Anyone', 'A person', 'The model (accepted guesses)', 'An import']);
  });
});
