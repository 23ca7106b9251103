import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type APIRequestContext, expect, test } from '@playwright/test';
import { ROOT, SHOTS } from './serve.ts';

/**
 * The expert's helpers in browser mode against a real engine: label with the model (uncertainty
 * queue), try a run on a file outside the project, download the annotations, the favicon.
 */
const CLI = join(ROOT, 'electron/engine/cli/labeltune.mjs');
let served: { url: string; port: number; token: string; child: ChildProcess; tmp: string; dir: string };

test.use({ actionTimeout: 15_000 });

async function invoke<T>(request: APIRequestContext, method: string, args: object = {}): Promise<T> {
  // job.wait answers when training ends: minutes on two shared cores, not the 15 s of an action.
  const res = await request.post(`http://127.0.0.1:${served.port}/api/invoke?token=${served.token}`, { data: { id: 1, method, args }, timeout: 300_000 });
  const body = (await res.json()) as { ok: boolean; result: T; error?: { message: string } };
  if (!body.ok) throw new Error(`${method}: ${body.error?.message}`);
  return body.result;
}

test.beforeAll(async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'labeltune-e2e-assist-'));
  const dir = join(tmp, 'chest');
  const env = { ...process.env, LABELTUNE_HOME: join(tmp, 'home'), LABELTUNE_QUIET: '1' };
  const demo = spawnSync(process.execPath, [CLI, 'demo', dir, '--images', '48', '--json'], { env, encoding: 'utf8' });
  if (demo.status !== 0) throw new Error(`labeltune demo failed: ${demo.stderr}`);
  const child = spawn(process.execPath, [CLI, 'serve', dir, '--port', '0', '--json'], { env });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    child.once('exit', (code) => reject(new Error(`labeltune serve exited with ${code}`)));
  });
  served = { ...(JSON.parse(line) as { url: string; port: number; token: string }), child, tmp, dir };
  mkdirSync(SHOTS, { recursive: true });
});
test.afterAll(async () => {
  if (!served) return;
  const exited = new Promise((resolve) => served.child.once('exit', resolve));
  served.child.kill('SIGTERM');
  await exited;
  rmSync(served.tmp, { recursive: true, force: true });
});

test('label with the model, try the run on a new file, download the labels', async ({ page, request }) => {
  test.setTimeout(420_000);
  // A run trained on the labelled images; then 8 images lose their label for the queue to offer.
  await invoke(request, 'splits.create', { ratios: [0.7, 0.15, 0.15] });
  const { jobId } = await invoke<{ jobId: string }>(request, 'runs.start', { backbone: 'resnet18', strategy: 'top', epochs: 1, imageSize: 32, batchSize: 8, seed: 1 });
  expect((await invoke<{ status: string }>(request, 'job.wait', { jobId })).status).toBe('completed');
  const listed = await invoke<{ items: { id: number; path: string }[] }>(request, 'images.list', { limit: 30 });
  const unlabelled = listed.items.slice(0, 8).map((i) => i.id);
  await invoke(request, 'labels.set', { imageIds: unlabelled, classIds: [] });

  await page.goto(served.url);
  await expect(page.getByTestId('project-name')).toBeVisible();
  expect((await page.request.get(new URL('favicon.svg', served.url).href)).status()).toBe(200);

  await page.getByRole('tab', { name: 'Label with the model' }).click();
  await page.getByRole('button', { name: 'Predict unlabelled images' }).click();
  await expect(page.getByTestId('assist-guess')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('assist-remaining')).toContainText('8 unlabelled image(s)');
  await page.keyboard.press('Enter');
  await expect(page.locator('.decisions li')).toHaveCount(1);
  await page.keyboard.press('1');
  await expect(page.locator('.decisions li')).toHaveCount(2);
  await expect(page.locator('.decisions li.model .badge')).toHaveText('model');
  await expect(page.locator('.decisions li.human .badge')).toHaveText('you');
  await expect.poll(() => page.locator('.assist-queue figure img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
  await page.screenshot({ path: join(SHOTS, 'assist.png'), fullPage: true });
  // The engine's audit trail: one model label, one human label, on two of the eight images.
  const sources: string[] = [];
  for (const id of unlabelled) {
    const history = await invoke<{ source: string; new: number[] }[]>(request, 'labels.history', { imageId: id });
    if (history[0]?.new.length) sources.push(history[0].source);
  }
  expect(sources.sort()).toEqual(['human', 'model']);

  const before = await invoke<{ total: number }>(request, 'images.counts', {});
  const outside = join(served.tmp, 'new-patient.png');
  copyFileSync(listed.items[20].path, outside);
  await page.getByRole('tab', { name: 'Evaluate' }).click();
  await page.locator('.try-it input[type=file]').setInputFiles(outside);
  await expect(page.getByTestId('try-result')).toHaveCount(1, { timeout: 120_000 });
  await expect(page.getByTestId('try-result').locator('img')).toBeVisible();
  await expect(page.getByTestId('try-result').locator('.probs li')).toHaveCount(3);
  await page.getByTestId('try-result').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(SHOTS, 'try-it.png'), fullPage: true });
  expect((await invoke<{ total: number }>(request, 'images.counts', {})).total).toBe(before.total);

  await page.getByRole('tab', { name: 'Export' }).click();
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download labels' }).click();
  const csv = readFileSync(await (await download).path(), 'utf8').split('\r\n');
  expect(csv[0]).toBe('path,frame,label,aux_label,group,split,excluded,exclude_reason,label_source,image_id');
  expect(csv.filter((l) => l.includes(',model,'))).toHaveLength(1);

  // The accepted guess is marked in the grid, with its run, and found by the "Labelled by" filter.
  await page.getByRole('tab', { name: 'Dataset' }).click();
  await page.getByTestId('filter-source').selectOption('model');
  await expect(page.getByTestId('grid-cell')).toHaveCount(1);
  await expect(page.getByTestId('model-marker')).toHaveAttribute('title', /^Label accepted from model run #\d+$/);

  // Ctrl+Z in the queue takes back this window's actions, newest first, and names them.
  await page.getByRole('tab', { name: 'Label with the model' }).click();
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('toast').last()).toHaveText(/Undone: label of 1 image\./);
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('toast').last()).toHaveText(/Undone: model label of 1 image\./);
  const left = await invoke<{ total: number }>(request, 'images.list', { filter: { labelSource: 'model' }, limit: 1 });
  expect(left.total).toBe(0);
});
