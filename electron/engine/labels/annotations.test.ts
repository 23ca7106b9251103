import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineClient } from '../../../shared/contract/index.ts';
import { runCli } from '../testing/cli.ts';
import { type TestEngine, createTestEngine } from '../testing/test-engine.ts';

let t: TestEngine;
const previousHome = process.env.LABELTUNE_HOME;
beforeAll(() => {
  t = createTestEngine();
  process.env.LABELTUNE_HOME = join(t.tmp, 'cli-home');
});
afterAll(async () => {
  process.env.LABELTUNE_HOME = previousHome;
  await t.dispose();
});

/** What a person decided about each image, by path, read back through the engine's API. */
async function decisions(client: EngineClient, dir: string) {
  await client.invoke('project.open', { dir });
  const tasks = await client.invoke('labels.tasks', {});
  const nameOf = new Map(tasks.flatMap((task) => task.classes.map((c) => [c.id, `${task.role}:${c.name}`] as const)));
  const page = await client.invoke('images.list', { limit: 1000 });
  const state: Record<string, { labels: string[]; group: string | null; excluded: boolean; reason: string | null; split: string | null }> = {};
  for (const image of page.items) {
    const detail = await client.invoke('images.get', { id: image.id });
    const labels = image.labels.map((id) => nameOf.get(id)!).sort();
    state[image.path] = { labels, group: image.groupId, excluded: image.excluded, reason: detail.excludeReason, split: image.split };
  }
  await client.invoke('project.close', {});
  return state;
}

describe('annotation export and re-import', () => {
  it('round-trips labels, aux labels, groups and exclusions through the CSV, with awkward names', async () => {
    const files = join(t.tmp, 'files');
    mkdirSync(files);
    const names = ['a.png', 'b; with semicolon.png', 'c, with comma.png', 'd.png', 'e.png'];
    for (const [k, name] of names.entries()) {
      await sharp(Buffer.alloc(16 * 16, 20 + k * 40), { raw: { width: 16, height: 16, channels: 1 } }).png().toFile(join(files, name));
    }
    const q = (s: string) => `"${s.replaceAll('"', '""')}"`;
    writeFileSync(
      join(files, 'in.csv'),
      ['path,label,group,aux_label', `a.png,normal,P1,frontal`, `${q(names[1])},"effusion, left",P1,lateral`, `${q(names[2])},normal,P2,`, 'd.png,"say ""hi""",P3,frontal', 'e.png,,,'].join('\n'),
    );
    const a = join(t.tmp, 'a');
    expect((await runCli('init', a)).code).toBe(0);
    expect((await runCli('import', a, '--csv', join(files, 'in.csv'))).code).toBe(0);
    // Splits by hand, one of them on an excluded image and one cutting patient P1 in two: the file says it, the import does it.
    await t.client.invoke('project.open', { dir: a });
    const put = t.engine.ctx.project().db.prepare(`INSERT INTO splits (image_id, split, assigned_at) VALUES (?, ?, 'x')`);
    [[1, 'train'], [2, 'test'], [3, 'val'], [4, 'test']].forEach(([id, split]) => put.run(id, split));
    await t.client.invoke('project.close', {});
    expect((await runCli('label', a, 'exclude', '--images', '2,4', '--reason', 'motion blur; "repeat", see note')).code).toBe(0);

    const before = await decisions(t.client, a);
    expect(before[join(files, names[1])]).toEqual({ labels: ['aux:lateral', 'main:effusion, left'], group: 'P1', excluded: true, reason: 'motion blur; "repeat", see note', split: 'test' });
    expect(Object.values(before).map((d) => d.split)).toEqual(['train', 'test', 'val', 'test', null]);

    const out = join(t.tmp, 'labels.csv');
    const exported = await runCli('label', a, 'export', '--format', 'csv', '--out', out, '--json');
    expect(exported.code).toBe(0);
    expect(JSON.parse(exported.out)).toMatchObject({ format: 'csv', images: 5, path: out });
    expect(readFileSync(out, 'utf8').split('\r\n')[0]).toBe('path,frame,label,aux_label,group,split,excluded,exclude_reason,label_source,image_id');

    const b = join(t.tmp, 'b');
    expect((await runCli('init', b)).code).toBe(0);
    const imported = await runCli('import', b, '--csv', out, '--json');
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.out)).toMatchObject({ imported: 5, labels: { main: { normal: 2, 'effusion, left': 1, 'say "hi"': 1 } } });
    // P1's two images are in train and test, but b.png is excluded: no included image of P1 leaks.
    expect(JSON.parse(imported.out).splits).toEqual({ applied: 4, moved: 0, keptLocked: [], leakingGroups: [] });
    expect(await decisions(t.client, b)).toEqual(before);
  });

  it('re-importing the CSV onto the project sets exclusions back to what the file says', async () => {
    const a = join(t.tmp, 'a');
    const out = join(t.tmp, 'labels.csv');
    const before = await decisions(t.client, a);
    expect((await runCli('label', a, 'include', '--images', '2,4')).code).toBe(0);
    expect((await runCli('label', a, 'exclude', '--images', '1', '--reason', 'wrong patient')).code).toBe(0);
    expect((await runCli('import', a, '--csv', out)).code).toBe(0);
    expect(await decisions(t.client, a)).toEqual(before);
  });

  it('writes JSON and COCO-style JSON with the same decisions', async () => {
    const a = join(t.tmp, 'a');
    await t.client.invoke('project.open', { dir: a });
    const json = await t.client.invoke('labels.export', { format: 'json' });
    const coco = await t.client.invoke('labels.export', { format: 'coco' });
    await t.client.invoke('project.close', {});
    expect(json.fileName).toBe('a-labels.json');
    const doc = JSON.parse(json.text!);
    expect(doc.tasks.map((x: { role: string; classes: string[] }) => [x.role, x.classes])).toEqual([
      ['main', ['normal', 'effusion, left', 'say "hi"']],
      ['aux', ['frontal', 'lateral']],
    ]);
    expect(doc.images.filter((i: { excluded: boolean }) => i.excluded).map((i: { excludeReason: string }) => i.excludeReason)).toEqual([
      'motion blur; "repeat", see note',
      'motion blur; "repeat", see note',
    ]);
    const c = JSON.parse(coco.text!);
    expect(c.categories).toEqual([
      { id: 1, name: 'normal', supercategory: 'main' },
      { id: 2, name: 'effusion, left', supercategory: 'main' },
      { id: 3, name: 'say "hi"', supercategory: 'main' },
      { id: 4, name: 'frontal', supercategory: 'aux' },
      { id: 5, name: 'lateral', supercategory: 'aux' },
    ]);
    // 4 main labels (e.png has none) and 3 aux labels.
    expect(c.annotations).toHaveLength(7);
    expect(c.images.find((i: { id: number }) => i.id === 2)).toMatchObject({ width: 16, height: 16, group: 'P1', excluded: true });
  });

  it('refuses a relative or unwritable --out, and an unknown format', async () => {
    const a = join(t.tmp, 'a');
    expect((await runCli('label', a, 'export', '--format', 'xml', '--out', join(t.tmp, 'x'))).code).toBe(2);
    const missing = await runCli('label', a, 'export', '--out', join(t.tmp, 'nowhere', 'x.csv'), '--json');
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.out).error.message).toContain('does not exist');
  });

  it("applies a CSV's split over the project's as a fixed split: locked test images stay, groups left in two splits are reported", async () => {
    const a = join(t.tmp, 'a');
    const files = join(t.tmp, 'files');
    expect((await runCli('label', a, 'include', '--images', '2')).code).toBe(0);
    await t.client.invoke('project.open', { dir: a });
    await t.client.invoke('splits.lock', { locked: true });
    const { createdAt } = await t.client.invoke('splits.report', {});
    await t.client.invoke('project.close', {});
    // a.png train -> val (moved), b.png is locked in test, c.png stays val, e.png gets test, d.png names no split.
    writeFileSync(join(files, 'splits.csv'), ['path,split', 'a.png,VAL', '"b; with semicolon.png",train', '"c, with comma.png",validation', 'd.png,fold-3', 'e.png,test'].join('\n'));
    const imported = await runCli('import', a, '--csv', join(files, 'splits.csv'), '--json');
    expect(imported.code).toBe(0);
    const report = JSON.parse(imported.out);
    expect(report.splits).toEqual({ applied: 3, moved: 1, keptLocked: [2], leakingGroups: [{ groupId: 'P1', counts: { train: 0, val: 1, test: 1 } }] });
    expect(report.issues.map((i: { message: string }) => i.message)).toEqual([expect.stringContaining('line 5 puts d.png in split "fold-3", which is none of train, val and test')]);

    const after = await decisions(t.client, a);
    expect(Object.values(after).map((d) => d.split)).toEqual(['val', 'test', 'val', 'test', 'test']);
    await t.client.invoke('project.open', { dir: a });
    const db = t.engine.ctx.project().db;
    // While the test set is locked, the CSV's new test image is pinned too; the split counts as new (runs before it are stale).
    expect(db.prepare('SELECT locked FROM splits WHERE image_id = 5').pluck().get()).toBe(1);
    expect(createdAt).toBe('x'); // the hand-made splits' assigned_at
    expect((await t.client.invoke('splits.report', {})).createdAt).toMatch(/^20\d\d-\d\d-\d\dT/);
    expect((await t.client.invoke('splits.leakage', {})).groups).toEqual(report.splits.leakingGroups);
    await t.client.invoke('project.close', {});
  });
});

describe('multi-label sets in the CSV', () => {
  it('writes several classes as "a|b" and reads them back as several into a multi-label set', async () => {
    const files = join(t.tmp, 'multi');
    mkdirSync(files);
    for (const [k, name] of ['m1.png', 'm2.png'].entries()) {
      await sharp(Buffer.alloc(16 * 16, 60 + k * 90), { raw: { width: 16, height: 16, channels: 1 } }).png().toFile(join(files, name));
    }
    const a = join(t.tmp, 'multi-a');
    const b = join(t.tmp, 'multi-b');
    for (const dir of [a, b]) {
      expect((await runCli('init', dir)).code).toBe(0);
      await t.client.invoke('project.open', { dir });
      await t.client.invoke('labels.configureTask', { role: 'main', mode: 'multi' });
      await t.client.invoke('project.close', {});
    }
    writeFileSync(join(files, 'in.csv'), 'path,label\nm1.png,nodule\nm2.png,effusion\n');
    expect((await runCli('import', a, '--csv', join(files, 'in.csv'))).code).toBe(0);
    expect((await runCli('label', a, 'set', 'effusion', '--images', '1', '--mode', 'add')).code).toBe(0);
    const out = join(t.tmp, 'multi.csv');
    expect((await runCli('label', a, 'export', '--out', out)).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain(`${join(files, 'm1.png')},0,nodule|effusion,`);
    expect((await runCli('import', b, '--csv', out)).code).toBe(0);
    expect(await decisions(t.client, b)).toEqual(await decisions(t.client, a));
    expect((await decisions(t.client, b))[join(files, 'm1.png')].labels).toEqual(['main:effusion', 'main:nodule']);
  });
});
