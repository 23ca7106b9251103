import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type APIRequestContext } from '@playwright/test';
import sharp from 'sharp';
import { ROOT, SHOTS, serve, type Served } from './serve.ts';

/**
 * Issue 14, point 9 in browser mode against the real engine: a reload comes back to the same view,
 * run, settings and loss history; the server's path browser imports a folder chosen by clicking
 * through it (a browser cannot tell where dropped files are).
 */
async function writeImages(dir: string, folders: Record<string, number>): Promise<void> {
  let k = 0;
  for (const [name, n] of Object.entries(folders)) {
    mkdirSync(join(dir, name), { recursive: true });
    for (let i = 0; i < n; i++, k++) {
      const px = Buffer.alloc(48 * 48);
      for (let p = 0; p < px.length; p++) px[p] = ((p % 48) * 5 + k * 29 + Math.floor(p / 48) * 3) % 256;
      await sharp(px, { raw: { width: 48, height: 48, channels: 1 } }).png().toFile(join(dir, name, `${name}_${i}.png`));
    }
  }
}

async function invoke<T>(request: APIRequestContext, served: Served, method: string, args: unknown): Promise<T> {
  const res = await request.post(`http://127.0.0.1:${served.port}/api/invoke?token=${served.token}`, { data: { id: 1, method, args }, timeout: 120_000 });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

type Info = { counts: { images: number; classes: number } };

test.describe('browser mode', () => {
  let served: Served;
  test.beforeAll(async () => {
    served = await serve('Chest radiographs');
  });
  test.afterAll(() => served.stop());

  test("imports a folder chosen in the server's path browser; a drop says what to do instead", async ({ page, request }) => {
    const scans = join(served.tmp, 'scans');
    await writeImages(scans, { normal: 3, opacity: 2 });
    await page.goto(served.url);
    await page.getByRole('tab', { name: 'Import' }).click();

    await page.locator('#import-paths').dispatchEvent('drop', { dataTransfer: await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['x'], 'a.png', { type: 'image/png' }));
      return dt;
    }) });
    await expect(page.getByTestId('drop-hint')).toContainText("Browse the server's folders…");

    await page.getByRole('button', { name: "Browse the server's folders…" }).click();
    const browser = page.getByTestId('path-browser');
    await browser.getByLabel('Folder', { exact: true }).fill(served.tmp);
    await browser.getByRole('button', { name: 'Go' }).click();
    await browser.getByRole('button', { name: 'scans/' }).click();
    await expect(browser.getByTestId('browse-folder')).toHaveText([/normal\/\s+3 images/, /opacity\/\s+2 images/]);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'path-browser.png') });
    await browser.getByRole('button', { name: 'Add this folder' }).click();
    await expect(page.locator('#import-paths')).toHaveValue(scans);
    await expect(page.getByTestId('drop-hint')).toHaveCount(0);

    await page.getByRole('button', { name: 'Start import' }).click();
    await expect(page.getByTestId('report-imported')).toHaveText('5', { timeout: 60_000 });
    const info = await invoke<Info>(request, served, 'project.info', {});
    expect(info.counts.images).toBe(5);
    expect(info.counts.classes).toBe(2);
  });
});

type Run = { id: number; status: string; config: { epochs: number; imageSize: number }; metrics: unknown[]; steps?: { x: number }[] };

test.describe('a reload', () => {
  let served: Served;
  test.use({ actionTimeout: 15_000 });
  test.beforeAll(async () => {
    served = await serve('Chest radiographs');
    // A labelled sample (synthetic chest X-rays) in the served project.
    const env = { ...process.env, LABELTUNE_HOME: join(served.tmp, 'home'), LABELTUNE_QUIET: '1' };
    const sample = spawnSync(process.execPath, [join(ROOT, 'electron/engine/cli/labeltune.mjs'), 'demo', join(served.tmp, 'chest'), '--images', '48', '--json'], { env, encoding: 'utf8' });
    if (sample.status !== 0) throw new Error(`labeltune demo failed: ${sample.stderr}`);
  });
  test.afterAll(() => served.stop());

  test('comes back to the Train view, the run, its settings and its loss history from the engine', async ({ page, request }) => {
    test.setTimeout(180_000);
    await invoke(request, served, 'project.open', { dir: join(served.tmp, 'chest') });
    await invoke(request, served, 'splits.create', { ratios: [0.7, 0.15, 0.15] });
    await page.goto(served.url);
    await page.getByRole('tab', { name: 'Train' }).click();
    await expect(page).toHaveURL(/#project=.*&view=train$/);

    // A run that goes on for long enough: paused after its first epoch, so the reload finds it under way.
    const { runId } = await invoke<{ runId: number }>(request, served, 'runs.start', { backbone: 'test-tiny-resnet', imageSize: 16, batchSize: 8, lr: 0.05, epochs: 40, backend: 'cpu', seed: 7 });
    await expect.poll(async () => (await invoke<Run>(request, served, 'runs.get', { runId })).metrics.length, { timeout: 120_000 }).toBeGreaterThan(0);
    await invoke(request, served, 'runs.pause', { runId });
    await expect.poll(async () => (await invoke<Run>(request, served, 'runs.get', { runId })).status).toBe('paused');
    const paused = await invoke<Run>(request, served, 'runs.get', { runId });
    expect(paused.steps?.length).toBeGreaterThan(0);

    await page.reload();
    await expect(page.getByRole('tab', { name: 'Train' })).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByTestId('run-monitor')).toHaveAttribute('aria-label', `Run ${runId}`);
    await expect(page.getByTestId('run-status')).toHaveText('paused');
    await expect(page).toHaveURL(new RegExp(`&view=train&run=${runId}$`));
    // The form shows what the run trains, not the defaults (10 epochs, engine-chosen size).
    await expect(page.locator('#opt-epochs')).toHaveValue(String(paused.config.epochs));
    await expect(page.locator('#opt-size')).toHaveValue(String(paused.config.imageSize));
    // The loss chart starts from the engine's stored steps and epochs, not empty.
    await expect(page.getByTestId('chart-loss')).not.toContainText('No points yet.');
    await expect(page.getByTestId('chart-validation')).not.toContainText('No points yet.');

    // Ended since: a reload still shows the run the window followed, as the engine has it.
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await expect.poll(async () => (await invoke<Run>(request, served, 'runs.get', { runId })).status).toBe('cancelled');
    await page.reload();
    await expect(page.getByTestId('run-status')).toHaveText('cancelled');
    await expect(page.getByTestId('run-monitor')).toHaveAttribute('aria-label', `Run ${runId}`);
    await expect(page.getByTestId('chart-loss')).not.toContainText('No points yet.');
    await expect(page.locator('#opt-epochs')).toHaveValue('40');
  });

  test('reopens the image open in the viewer, and shows the grid when the image is gone', async ({ page, request }) => {
    await invoke(request, served, 'project.open', { dir: join(served.tmp, 'chest') });
    const listed = await invoke<{ items: { id: number }[] }>(request, served, 'images.list', { limit: 6 });
    const fifth = listed.items[4].id;
    await page.goto(served.url);
    await page.getByRole('tab', { name: 'Dataset' }).click();
    await page.locator('[data-testid="grid-cell"]').nth(4).dblclick();
    const viewer = page.getByTestId('viewer');
    // The image itself, not the thumbnails of its duplicates beside it.
    const shown = viewer.locator('img[src*="/render/"]');
    await expect(shown).toHaveAttribute('src', new RegExp(`render/${fifth}\\?`));
    await expect(page).toHaveURL(new RegExp(`&view=dataset&image=${fifth}$`));

    await page.reload();
    await expect(page.getByRole('tab', { name: 'Dataset' })).toHaveAttribute('aria-selected', 'true');
    await expect(shown).toHaveAttribute('src', new RegExp(`render/${fifth}\\?`));
    await expect(page.getByTestId('dataset-grid')).toHaveAttribute('aria-activedescendant', `img-${fifth}`);
    // The viewer steps on; the URL follows, and a reload comes back to the image stepped to.
    await viewer.focus();
    await page.keyboard.press('ArrowRight');
    const sixth = listed.items[5].id;
    await expect(page).toHaveURL(new RegExp(`&image=${sixth}$`));
    await page.reload();
    await expect(shown).toHaveAttribute('src', new RegExp(`render/${sixth}\\?`));

    // An image no longer in the project: the grid, no viewer, no error, and the URL forgets it.
    await page.goto(page.url().replace(/image=\d+$/, 'image=999999'));
    await page.reload();
    await expect(page.getByTestId('dataset-grid')).toBeVisible();
    await expect(page).toHaveURL(/&view=dataset$/);
    await expect(viewer).toHaveCount(0);
    await expect(page.getByRole('alert')).toHaveCount(0);
  });
});
