import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UndoResult } from '../../../../shared/contract/labels.ts';
import { emptyDelta } from '../../../../shared/domain/counts.ts';
import { seedImages } from '../../testing/seed-images.ts';
import { type TestEngine, createTestProject } from '../../testing/test-engine.ts';
import { runCli } from '../../testing/cli.ts';
import { parseIds, stepSummary } from './label.ts';

let t: TestEngine;
const previousHome = process.env.LABELTUNE_HOME;

beforeAll(async () => {
  t = await createTestProject();
  process.env.LABELTUNE_HOME = join(t.tmp, 'cli-home');
  seedImages(t.engine.ctx.project().db, 12);
  await t.engine.ctx.setProject(null);
});
afterAll(async () => {
  process.env.LABELTUNE_HOME = previousHome;
  await t.dispose();
});

const run = (...argv: string[]) => runCli('label', t.projectDir, ...argv);

describe('labeltune label', () => {
  it('parses id lists and ranges', () => {
    expect(parseIds('1,4-6, 9')).toEqual([1, 4, 5, 6, 9]);
    expect(() => parseIds('3-1')).toThrow('empty or too large');
    expect(() => parseIds('a')).toThrow('not an id');
  });

  it('adds classes, labels, lists counts, undoes and excludes', async () => {
    expect((await run('add-class', 'normal', '--shortcut', '1')).code).toBe(0);
    expect((await run('add-class', 'opacity')).code).toBe(0);
    const set = await run('set', 'normal', '--images', '1-5', '--json');
    expect(set.code).toBe(0);
    expect((JSON.parse(set.out) as { changed: unknown[] }).changed).toHaveLength(5);
    const bySearch = await run('set', 'opacity', '--search', 'img-00001');
    expect(bySearch.out).toBe('Changed the labels of 2 of 2 image(s); undo with "label <project> undo".');
    const list = await run('list');
    expect(list.out).toMatch(/normal\s+5\s+key 1/);
    expect(list.out).toMatch(/opacity\s+2/);
    expect(list.out).toContain('7 image(s) labelled');
    expect((await run('undo')).out).toBe('Undid 2 label change(s).');
    const unlabeled = await run('set', 'opacity', '--unlabeled', '--json');
    expect((JSON.parse(unlabeled.out) as { changed: unknown[] }).changed).toHaveLength(7);
    expect((await run('exclude', '--images', '3,4', '--reason', 'motion blur')).out).toBe('Excluded 2 image(s).');
  });

  it('says what undoing an import did to the split its CSV placed', () => {
    const change: UndoResult = { batchId: 'import:j1', changed: [{ imageId: 1, taskId: 1, classIds: [] }], skipped: [], step: null, held: false, counts: emptyDelta() };
    const message = 'The split was kept: it was changed since labels.csv placed it (re-split, locked or moved by another file), so undo left it as it is.';
    expect(stepSummary('undo', { ...change, split: { file: 'labels.csv', restored: false, message } })).toBe(`Undid 1 label change(s). ${message}`);
    expect(stepSummary('redo', { ...change, batchId: null })).toBe('Nothing to redo.');
  });

  it('names unknown classes and bad actions', async () => {
    const bad = await run('set', 'effusion', '--images', '1');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('no class "effusion"');
    expect((await run('paint')).code).toBe(2);
    expect((await run('exclude', '--images', '1')).code).toBe(2);
  });
});
