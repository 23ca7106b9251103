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

  it("says what the CSV's split column did, and names the groups it left in two splits", () => {
    const report: ImportReport = {
      files: 3, imported: 3, skipped: 0, issues: [], cancelled: false, elapsedMs: 900,
      duplicates: { exact: [], near: [], nearTotal: 0, nearThreshold: 3 },
      labels: { main: {}, aux: {}, classesCreated: [] },
      splits: { applied: 3, moved: 1, keptLocked: [7], leakingGroups: [{ groupId: 'P-0042', counts: { train: 1, val: 0, test: 1 } }] },
    };
    render(ImportReportView, { report });
    expect(screen.getByTestId('report-splits').textContent?.replace(/\s+/g, ' ').trim()).toBe(
      'Splits from the CSV: 3 image(s) placed as the file says (1 moved from another split). 1 stayed in the locked test set (unlock it in Splits to move them).',
    );
    expect(screen.getByTestId('report-split-leaks').textContent).toContain('P-0042');
  });
});
