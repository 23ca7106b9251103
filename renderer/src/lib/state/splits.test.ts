import { describe, expect, it } from 'vitest';
import type { SplitReport } from '../../../../shared/domain/splits.ts';
import { FakeClient } from '../testing/fake-client.ts';
import { classShares, DEFAULT_SPLIT_FORM, ratioProblem, resplitQuestion, splitOrigin, SplitsState } from './splits.svelte.ts';

function report(over: Partial<SplitReport> = {}): SplitReport {
  return {
    settings: { ratios: [0.6, 0.2, 0.2], seed: 4, groupBy: 'patient' },
    fromFile: null,
    locked: false,
    parts: { train: { images: 30, groups: 10, unlabeled: 0 }, val: { images: 10, groups: 3, unlabeled: 0 }, test: { images: 10, groups: 3, unlabeled: 0 } },
    achieved: { train: 0.6, val: 0.2, test: 0.2 },
    classes: [
      { classId: 1, name: 'normal', counts: { train: 20, val: 6, test: 5 } },
      { classId: 2, name: 'opacity', counts: { train: 10, val: 4, test: 5 } },
    ],
    unassigned: 2,
    excluded: 1,
    lockedTest: 0,
    createdAt: '2026-12-01T10:00:00.000Z',
    warnings: [],
    ...over,
  };
}

const leakage = { groups: [], exact: [], near: [], nearTotal: 0, nearThreshold: 6, withoutPhash: 0 };

describe('SplitsState', () => {
  it('sends the percentages as fractions with seed and grouping, and adopts the settings the engine used', async () => {
    const client = new FakeClient({ 'splits.create': () => report(), 'splits.leakage': () => leakage, 'splits.usage': () => ({ runs: [] }) });
    const splits = new SplitsState(client, (e) => {
      throw e;
    });
    Object.assign(splits.form, { train: 60, val: 20, test: 20, seed: 4 });
    await splits.create();
    expect(client.calls.map((c) => [c.method, c.args])).toEqual([
      ['splits.usage', {}],
      ['splits.create', { ratios: [0.6, 0.2, 0.2], seed: 4, groupBy: 'patient' }],
      ['splits.leakage', {}],
    ]);
    expect(splits.form).toEqual({ train: 60, val: 20, test: 20, seed: 4, groupBy: 'patient' });
    expect(splits.leakCount).toBe(0);
  });

  it('refuses ratios that do not add up to 100 without asking the engine', async () => {
    const client = new FakeClient({});
    const errors: string[] = [];
    const splits = new SplitsState(client, (e) => errors.push((e as Error).message));
    Object.assign(splits.form, { train: 70, val: 20, test: 20 });
    await splits.create();
    expect(errors).toEqual(['Train, validation and test add up to 110%; they must add up to 100%.']);
    expect(client.calls).toEqual([]);
    expect(ratioProblem(DEFAULT_SPLIT_FORM)).toBeNull();
    expect(ratioProblem({ ...DEFAULT_SPLIT_FORM, train: 0, val: 50, test: 50 })).toBe('The training split needs more than 0%.');
    expect(ratioProblem({ ...DEFAULT_SPLIT_FORM, train: 100, val: 0, test: 0 })).toMatch(/^The validation split needs more than 0%/);
    // No test set is allowed (the engine warns about it after splitting).
    expect(ratioProblem({ ...DEFAULT_SPLIT_FORM, train: 80, val: 20, test: 0 })).toBeNull();
  });

  it('asks before re-splitting when runs were trained on the current split, naming them, and keeps the split on no', async () => {
    const runs = [
      { id: 3, name: 'resnet18 top', status: 'completed', createdAt: '2026-12-01T11:00:00.000Z' },
      { id: 4, name: 'vit full', status: 'completed', createdAt: '2026-12-01T12:00:00.000Z' },
    ];
    const client = new FakeClient({ 'splits.create': () => report(), 'splits.leakage': () => leakage, 'splits.usage': () => ({ runs }) });
    const questions: string[] = [];
    const no = new SplitsState(client, (e) => { throw e; }, (q) => (questions.push(q), false));
    await no.create();
    expect(questions).toEqual([
      '2 runs #3 "resnet18 top", #4 "vit full" were trained on the current split. Re-splitting moves images between train, validation and test, ' +
        'so their results will be marked as computed on an older split. Re-split anyway?',
    ]);
    expect(client.calls.map((c) => c.method)).toEqual(['splits.usage']);
    const yes = new SplitsState(client, (e) => { throw e; }, () => true);
    await yes.create();
    expect(client.calls.map((c) => c.method)).toEqual(['splits.usage', 'splits.usage', 'splits.create', 'splits.leakage']);
  });

  it('gives each class its share of every split for the distribution bars', () => {
    const shares = classShares(report());
    expect(shares.map((s) => [s.name, s.shares.train, s.shares.val, s.shares.test])).toEqual([
      ['normal', 20 / 30, 0.6, 0.5],
      ['opacity', 10 / 30, 0.4, 0.5],
    ]);
  });

  it("names a file's split with its counts and leaks, and asks before replacing it even without runs", () => {
    const fromFile = { kind: 'file' as const, file: 'labels.csv', at: '2026-12-06T12:00:00.000Z', images: 50, leakingGroups: 1 };
    expect(splitOrigin(report({ settings: null, fromFile }))).toBe('Split from labels.csv: 30 / 10 / 10, 1 group in two splits');
    expect(splitOrigin(report({ fromFile: { ...fromFile, leakingGroups: 0 } }))).toBe('Split from labels.csv: 30 / 10 / 10, no group in two splits');
    expect(splitOrigin(report())).toBeNull();
    expect(resplitQuestion([], fromFile)).toBe('The current split comes from labels.csv, image by image; re-splitting by ratios replaces it. Re-split anyway?');
    expect(resplitQuestion([], null)).toBeNull();
  });
});
