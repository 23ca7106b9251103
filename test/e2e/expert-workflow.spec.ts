import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { SHOTS, serve, type Served } from './serve.ts';

/**
 * Issue 14, points 1-3 in the real renderer against the real engine: label in the viewer with the
 * keyboard, undo per tab (named, import undo asked first), another tab's labels live, class names
 * that differ only in case refused. Every step is checked on what the engine stores.
 */
async function writeFolders(dir: string, folders: Record<string, number> = { normal: 3, fracture: 3, unsorted: 6 }): Promise<void> {
  let k = 0;
  for (const [name, n] of Object.entries(folders)) {
    mkdirSync(join(dir, name), { recursive: true });
    for (let i = 0; i < n; i++, k++) {
      const px = Buffer.alloc(64 * 64);
      for (let p = 0; p < px.length; p++) px[p] = ((p % 64) * 3 + k * 17 + Math.floor(p / 64)) % 256;
      await sharp(px, { raw: { width: 64, height: 64, channels: 1 } }).png().toFile(join(dir, name, `${name}_${i}.png`));
    }
  }
}

async function invoke<T>(request: APIRequestContext, served: Served, method: string, args: unknown): Promise<T> {
  const res = await request.post(`http://127.0.0.1:${served.port}/api/invoke?token=${served.token}`, { data: { id: 1, method, args } });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

type Listed = { total: number; items: { id: number; path: string; labels: number[] }[] };

test.describe('the expert workflow', () => {
  let served: Served;
  test.beforeAll(async () => {
    served = await serve('Wrist radiographs');
  });
  test.afterAll(() => served.stop());

  test('labels in the viewer, undoes per tab with named steps, sees the other tab live, refuses "Normal " next to "normal"', async ({ page, context, request }) => {
    test.setTimeout(120_000);
    const folder = join(served.tmp, 'wrists');
    await writeFolders(folder);
    const questions: string[] = [];
    page.on('dialog', (d) => {
      questions.push(d.message());
      void d.accept();
    });
    await page.goto(served.url);
    await page.getByRole('tab', { name: 'Import' }).click();
    await page.locator('#import-paths').fill(folder);
    await page.getByRole('button', { name: 'Start import' }).click();
    await expect(page.getByTestId('report-imported')).toHaveText('12', { timeout: 60_000 });
    // The three sub-folders became classes, and the 12 images their labels: one undo step of this tab.
    const all = () => invoke<Listed>(request, served, 'images.list', { limit: 100, sort: 'path' });
    const tasks = await invoke<{ classes: { id: number; name: string }[] }[]>(request, served, 'labels.tasks', {});
    const id = Object.fromEntries(tasks[0].classes.map((c) => [c.name, c.id]));
    expect(Object.keys(id).sort()).toEqual(['fracture', 'normal', 'unsorted']);

    // 1. The viewer labels with the keys and moves on (sorted by path: fracture_0 first).
    await page.getByRole('tab', { name: 'Dataset' }).click();
    await page.getByTestId('sort').selectOption('path');
    const grid = page.getByTestId('dataset-grid');
    // The sorted rows are there before a key acts on them.
    await expect(page.getByTestId('grid-cell').first().getByTestId('cell-labels')).toHaveText('fracture');
    await grid.focus();
    await page.keyboard.press('Enter');
    const viewer = page.getByTestId('viewer');
    await expect(page.getByTestId('viewer-position')).toHaveText('1 / 12');
    await expect(page.getByTestId('viewer-preset')).toHaveText(['Auto', 'Full range', 'Soft (2-75%)', 'Bone (40-99%)']);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('j');
    await expect(page.getByTestId('viewer-position')).toHaveText('3 / 12');
    await page.keyboard.press('2');
    await expect(page.getByTestId('viewer-position')).toHaveText('4 / 12');
    await page.keyboard.press('k');
    await page.keyboard.press('1');
    await expect(page.getByTestId('viewer-position')).toHaveText('4 / 12');
    await page.screenshot({ path: join(SHOTS, 'viewer-labelling.png') });
    const byPath = async () => Object.fromEntries((await all()).items.map((i) => [i.path.split('/').slice(-1)[0], i.labels]));
    const first = tasks[0].classes[0].id;
    const second = tasks[0].classes[1].id;
    // fracture_2 was labelled with class 2, then (k, 1) with class 1: one image, two audit rows.
    // The viewer moves on at the key press; the write lands a moment later.
    await expect.poll(async () => (await byPath())['fracture_2.png']).toEqual([first]);
    const target = (await all()).items.find((i) => i.path.endsWith('fracture_2.png'))!;
    const history = await invoke<{ source: string; new: number[]; session: string | null }[]>(request, served, 'labels.history', { imageId: target.id });
    expect(history.map((h) => [h.source, h.new])).toEqual([
      ['human', [first]],
      ['human', [second]],
      ['import', [id.fracture]],
    ]);

    // 2. Undo: this tab's own steps, named; the import asks first.
    await page.keyboard.press('Control+z');
    await expect(page.getByTestId('toast').last()).toHaveText(/Undone: label of 1 image\./);
    await page.keyboard.press('Control+z');
    await page.keyboard.press('Control+z');
    await expect(page.getByTestId('toast').last()).toHaveText(/Undone: import of 12 labels\./);
    expect(questions).toEqual([expect.stringMatching(/^Undo the import of 12 labels \(.+\)\? Labels made in other windows stay as they are\.$/)]);
    expect(Object.values(await byPath()).every((l) => l.length === 0)).toBe(true);
    await page.keyboard.press('Control+y');
    await expect(page.getByTestId('toast').last()).toHaveText(/Redone: import of 12 labels\./);
    await page.keyboard.press('Escape');

    // Another tab labels an image: this tab's tile follows, and its Ctrl+Z leaves that label alone.
    const other = await context.newPage();
    await other.goto(served.url);
    await other.getByRole('tab', { name: 'Dataset' }).click();
    await other.getByTestId('sort').selectOption('path');
    await expect(other.getByTestId('grid-cell').first().getByTestId('cell-labels')).toHaveText('fracture');
    await other.getByTestId('dataset-grid').focus();
    await other.keyboard.press('3');
    const third = tasks[0].classes[2];
    await expect(page.getByTestId('grid-cell').first().getByTestId('cell-labels')).toHaveText(third.name);
    await grid.focus();
    await page.keyboard.press('Control+z');
    await expect(page.getByTestId('toast').last()).toHaveText(/Undone: import of 12 labels; 1 image\(s\) changed since were left as they are\./);
    const after = await byPath();
    expect(after['fracture_0.png']).toEqual([third.id]);
    expect(Object.values(after).filter((l) => l.length > 0)).toHaveLength(1);
    await other.close();

    // 3. Classes: "Normal " next to "normal" is refused with the reason.
    await page.locator('#new-class').fill('Normal ');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('toast').last()).toHaveText(/"Normal" is the class "normal" written differently/);
    const names = (await invoke<{ classes: { name: string }[] }[]>(request, served, 'labels.tasks', {}))[0].classes.map((c) => c.name);
    expect(names).toEqual(['fracture', 'normal', 'unsorted']);
  });

  test('re-splitting asks first naming the runs on the current split; an empty test set is warned about; older runs are marked stale', async ({ page, request }) => {
    test.setTimeout(120_000);
    const folder = join(served.tmp, 'split-wrists');
    await writeFolders(folder, { normal: 10, fracture: 10 });
    await page.goto(served.url);
    await page.getByRole('tab', { name: 'Import' }).click();
    await page.locator('#import-paths').fill(folder);
    await page.getByRole('button', { name: 'Start import' }).click();
    await expect(page.getByTestId('report-imported')).toHaveText('20', { timeout: 60_000 });
    type Report = { createdAt: string | null; parts: Record<'train' | 'val' | 'test', { images: number }>; warnings: string[] };
    const report = () => invoke<Report>(request, served, 'splits.report', {});

    await page.getByRole('tab', { name: 'Splits' }).click();
    const create = page.getByRole('button', { name: 'Create splits' });
    await page.locator('#split-train').fill('100');
    await page.locator('#split-val').fill('0');
    await page.locator('#split-test').fill('0');
    await expect(page.getByText(/The validation split needs more than 0%/)).toBeVisible();
    await expect(create).toBeDisabled();
    await page.locator('#split-train').fill('80');
    await page.locator('#split-val').fill('20');
    await create.click();
    await expect(page.getByTestId('split-warning')).toHaveText(/The test split has no labelled image/);
    expect((await report()).parts.test.images).toBe(0);
    await page.locator('#split-train').fill('70');
    await page.locator('#split-val').fill('15');
    await page.locator('#split-test').fill('15');
    await create.click();
    await expect(page.getByTestId('split-warning')).toHaveCount(0);
    const current = (await report()).createdAt!;

    // A run trained on this split (seeded as the run store writes it).
    const db = new Database(join(served.projectDir, 'project.db'));
    db.prepare(`INSERT INTO runs (name, status, backbone, strategy, config, created_at) VALUES ('resnet18 top', 'completed', 'resnet18', 'top', '{}', ?)`).run(
      new Date().toISOString(),
    );
    db.close();
    const questions: string[] = [];
    page.once('dialog', (d) => (questions.push(d.message()), void d.dismiss()));
    await page.locator('#split-seed').fill('7');
    await create.click();
    await expect.poll(() => questions.length).toBe(1);
    expect(questions[0]).toMatch(/^Run #1 "resnet18 top" was trained on the current split\. Re-splitting moves images/);
    expect((await report()).createdAt).toBe(current);
    page.once('dialog', (d) => void d.accept());
    await create.click();
    await expect.poll(async () => (await report()).createdAt).not.toBe(current);
    expect((await invoke<{ runs: unknown[] }>(request, served, 'splits.usage', {})).runs).toEqual([]);

    await page.getByRole('tab', { name: 'Runs' }).click();
    await expect(page.getByTestId('run-stale')).toHaveText('older split');
    await page.getByRole('tab', { name: 'Evaluate' }).click();
    await expect(page.getByTestId('stale-split')).toHaveText(/^Run #1 was trained on an older split/);
  });
});
