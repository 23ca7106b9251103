import { cleanup, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImportReport } from '../../../../shared/contract/datasets.ts';
import ImportReportView from './ImportReportView.svelte';

afterEach(cleanup);

describe('ImportReportView', () => {
  it('lists the near-duplicate pairs it counts, not only their number', () => {
    const near = [
      { imageId: 3, path: '/in/a.png', otherId: 1, otherPath: '/in/b.png', distance: 2 },
      { imageId: 4, path: '/in/c.png', otherId: 2, otherPath: '/in/d.png', distance: 0 },
    ];
    const report: ImportReport = {
      files: 4, imported: 4, skipped: 0, issues: [], cancelled: false, elapsedMs: 1200,
      duplicates: { exact: [], near, nearTotal: 2, nearThreshold: 3 },
      labels: { main: {}, aux: {}, classesCreated: [] },
    };
    render(ImportReportView, { report });
    expect(screen.getAllByTestId('import-near').map((li) => li.textContent)).toEqual(['/in/a.png ≈ /in/b.png (2 bits)', '/in/c.png ≈ /in/d.png (0 bits)']);
  });
});
