import { cleanup, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SplitReport } from '../../../shared/domain/splits.ts';
import { FakeClient, projectInfo } from '../lib/testing/fake-client.ts';
import SplitsView from './SplitsView.svelte';

afterEach(cleanup);

function report(over: Partial<SplitReport>): SplitReport {
  return {
    settings: null,
    fromFile: null,
    locked: false,
    parts: { train: { images: 70, groups: 60, unlabeled: 0 }, val: { images: 15, groups: 14, unlabeled: 0 }, test: { images: 15, groups: 13, unlabeled: 0 } },
    achieved: { train: 0.7, val: 0.15, test: 0.15 },
    classes: [{ classId: 1, name: 'normal', counts: { train: 70, val: 15, test: 15 } }],
    unassigned: 0,
    excluded: 0,
    lockedTest: 0,
    createdAt: '2026-12-06T12:00:00.000Z',
    warnings: [],
    ...over,
  };
}

function client(splits: SplitReport): FakeClient {
  return new FakeClient({
    'splits.report': () => splits,
    'splits.leakage': () => ({ groups: [], exact: [], near: [], nearTotal: 0, nearThreshold: 6, withoutPhash: 0 }),
    'images.nearClusters': () => ({ clusters: [], total: 0, images: 0, threshold: 6 }),
  });
}

describe('SplitsView', () => {
  it("shows a split that came from a label CSV as the current split, not as 'No splits yet'", async () => {
    const fromFile = { kind: 'file' as const, file: 'labels.csv', at: '2026-12-06T12:00:00.000Z', images: 100, leakingGroups: 2 };
    render(SplitsView, { client: client(report({ fromFile })), info: projectInfo(), onError: vi.fn() });
    expect((await screen.findByTestId('split-origin')).textContent).toBe('Split from labels.csv: 70 / 15 / 15, 2 groups in two splits');
    expect(screen.queryByText(/No splits yet/)).toBeNull();
  });

  it("says 'No splits yet' only when neither ratios nor a file made a split", async () => {
    render(SplitsView, { client: client(report({})), info: projectInfo(), onError: vi.fn() });
    expect(await screen.findByText(/No splits yet/)).toBeTruthy();
    expect(screen.queryByTestId('split-origin')).toBeNull();
  });
});
