import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { seedImages } from '../../electron/engine/testing/seed-images.ts';
import { SHOTS, serve, type Served } from './serve.ts';

const IMAGES = 22;

/** A folder of 22 small greyscale radiograph stand-ins plus one truncated PNG. */
async function writeFolder(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < IMAGES; i++) {
    const px = Buffer.alloc(96 * 96);
    for (let p = 0; p < px.length; p++) px[p] = ((p % 96) * 2 + i * 11 + Math.floor(p / 96)) % 256;
    await sharp(px, { raw: { width: 96, height: 96, channels: 1 } }).png().toFile(join(dir, `hand_${String(i).padStart(2, '0')}.png`));
  }
  const whole = readFileSync(join(dir, 'hand_00.png'));
  writeFileSync(join(dir, 'broken.png'), whole.subarray(0, Math.floor(whole.length / 2)));
}

async function invoke<T>(request: APIRequestContext, served: Served, method: string, args: unknown): Promise<T> {
  const res = await request.post(`http://127.0.0.1:${served.port}/api/invoke?token=${served.token}`, { data: { id: 1, method, args } });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

async function openTab(page: Page, name: string): Promise<void> {
  await page.getByRole('tab', { name }).click();
}

test.describe('labelling', () => {
  let served: Served;
  test.beforeAll(async () => {
    served = await serve('Hand radiographs');
  });
  test.afterAll(() => served.stop());

  test('imports a folder with a corrupt file, labels 20 images by keyboard, undoes one', async ({ page, request }) => {
    test.setTimeout(120_000);
    const folder = join(served.tmp, 'hands');
    await writeFolder(folder);
    await page.goto(served.url);
    await openTab(page, 'Import');
    await page.locator('#import-paths').fill(folder);
    await page.getByLabel(/Sub-folders are classes/).uncheck();
    await page.getByRole('button', { name: 'Start import' }).click();
    const report = page.getByTestId('import-report');
    await expect(report).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('report-imported')).toHaveText(String(IMAGES));
    await expect(page.getByTestId('import-issue')).toHaveCount(1);
    await expect(page.getByTestId('import-issue')).toContainText('broken.png');
    await expect(page.getByTestId('import-issue')).toContainText('corrupt');

    await openTab(page, 'Dataset');
    for (const name of ['normal', 'fracture']) {
      await page.locator('#new-class').fill(name);
      await page.keyboard.press('Enter');
      await expect(page.getByTestId('class-button').filter({ hasText: name })).toBeVisible();
    }
    const grid = page.getByTestId('dataset-grid');
    await grid.focus();
    // Keyboard only: 20 labels, alternating classes, each key advances to the next image.
    for (let i = 0; i < 20; i++) await page.keyboard.press(i % 3 === 0 ? '2' : '1');
    await expect(page.locator(`[data-testid="grid-cell"]`).nth(19).getByTestId('cell-labels')).toHaveText(19 % 3 === 0 ? 'fracture' : 'normal');
    await page.keyboard.press('Control+z');
    await expect(page.locator(`[data-testid="grid-cell"]`).nth(19).getByTestId('cell-labels')).toHaveText('unlabeled');

    // What the engine holds, not what the DOM shows.
    const all = await invoke<{ total: number; items: { id: number; labels: number[] }[] }>(request, served, 'images.list', { limit: 100 });
    expect(all.total).toBe(IMAGES);
    const labelled = await invoke<{ total: number }>(request, served, 'images.list', { filter: { unlabeled: false } });
    const unlabeled = await invoke<{ total: number }>(request, served, 'images.list', { filter: { unlabeled: true } });
    expect(labelled.total).toBe(19);
    expect(unlabeled.total).toBe(3);
    const tasks = await invoke<{ classes: { id: number; name: string; count: number }[] }[]>(request, served, 'labels.tasks', {});
    const byName = Object.fromEntries(tasks[0].classes.map((c) => [c.name, c.count]));
    expect(byName).toEqual({ normal: 12, fracture: 7 });
    const twentieth = all.items[19].id;
    const history = await invoke<{ source: string; new: number[]; undone: boolean }[]>(request, served, 'labels.history', { imageId: twentieth });
    expect(history.map((e) => e.source)).toEqual(['undo', 'human']);
    expect(history[1].undone).toBe(true);
    expect(all.items[19].labels).toEqual([]);

    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'dataset.png') });

    await grid.focus();
    await page.locator('[data-testid="grid-cell"]').nth(1).dblclick();
    const viewer = page.getByTestId('viewer');
    await expect(viewer).toBeVisible();
    await expect(page.getByTestId('label-history')).toContainText('normal');
    const rendered = () => viewer.locator('img').evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0));
    // The engine renders at the requested size (1024), not the 96 px of the file.
    await expect.poll(rendered).toBe(1024);
    await page.screenshot({ path: join(SHOTS, 'viewer.png') });
    // A PNG radiograph gets presets read off its own values; CT's Hounsfield windows are not offered.
    await expect(page.getByRole('button', { name: /^Lung/ })).toHaveCount(0);
    await page.getByRole('button', { name: 'Soft (2-75%)' }).click();
    const levels = await invoke<{ percentiles: number[] }>(request, served, 'images.levels', { id: all.items[1].id });
    const [lo, hi] = [levels.percentiles[2], levels.percentiles[75]];
    const [ww, wc] = [Math.max(1, Math.round(hi - lo)), Math.round((lo + hi) / 2)];
    await expect(page.getByTestId('viewer-window')).toContainText(`W ${ww} / L ${wc}`);
    await expect(viewer.locator('img')).toHaveAttribute('src', new RegExp(`render/\\d+\\?size=1024&wc=${wc}&ww=${ww}&token=`));
    await expect.poll(rendered).toBe(1024);
    // x in the viewer excludes the image (the grid and the engine agree), x again takes it back.
    await expect(page.getByTestId('viewer-details')).toContainText('8-bit RGB, PNG');
    await viewer.focus();
    await page.keyboard.press('x');
    await expect(page.getByTestId('viewer-exclude')).toHaveText('Include it again (x)');
    const excluded = await invoke<{ items: { id: number }[] }>(request, served, 'images.list', { filter: { excluded: true } });
    expect(excluded.items.map((i) => i.id)).toEqual([all.items[1].id]);
    await page.keyboard.press('x');
    await expect(page.getByTestId('viewer-exclude')).toHaveText('Exclude from training and splits (x)');
    expect((await invoke<{ total: number }>(request, served, 'images.list', { filter: { excluded: true } })).total).toBe(0);
    await page.keyboard.press('Escape');
    await expect(viewer).toHaveCount(0);
  });
});

test.describe('grid at 50,000 images', () => {
  let served: Served;
  test.beforeAll(async () => {
    served = await serve('Fifty thousand');
    const db = new Database(join(served.projectDir, 'project.db'));
    seedImages(db, 50_000);
    db.close();
  });
  test.afterAll(() => served.stop());

  test('scrolls with measured frame times (reported, not asserted)', async ({ page }) => {
    test.setTimeout(120_000);
    // Seeded rows have no files: serve one small thumbnail so the measurement is the grid's, not decoding's.
    const thumb = await sharp({ create: { width: 112, height: 112, channels: 3, background: '#555' } }).jpeg().toBuffer();
    if (!process.env.NO_ROUTE) await page.route('**/thumb/**', (route) => route.fulfill({ contentType: 'image/jpeg', body: thumb }));
    await page.goto(served.url);
    await openTab(page, 'Dataset');
    await expect(page.getByTestId('filtered-total')).toHaveText('50000');
    const cells = await page.getByTestId('grid-cell').count();
    const frames = await page.getByTestId('dataset-grid').evaluate(async (el) => {
      const deltas: number[] = [];
      let last = performance.now();
      for (let i = 0; i < 300; i++) {
        el.scrollTop += 300;
        await new Promise(requestAnimationFrame);
        const now = performance.now();
        deltas.push(now - last);
        last = now;
      }
      deltas.sort((a, b) => a - b);
      return { median: deltas[150], p95: deltas[285], scrollTop: el.scrollTop };
    });
    console.log(
      `grid 50,000 images: ${cells} cells rendered, 300 frames scrolling 300 px each, frame time median ${frames.median.toFixed(1)} ms, p95 ${frames.p95.toFixed(1)} ms`,
    );
    expect(cells).toBeLessThan(200);
    expect(frames.scrollTop).toBeGreaterThan(80_000);
  });
});
