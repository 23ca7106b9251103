import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type APIRequestContext, expect, test } from '@playwright/test';
import { ROOT, SHOTS } from './serve.ts';

const CLI = join(ROOT, 'electron/engine/cli/labeltune.mjs');

interface Served {
  url: string;
  port: number;
  token: string;
  child: ChildProcess;
  tmp: string;
}

let served: Served;

// A step that cannot find its control should fail in seconds, not at the end of the training budget.
test.use({ actionTimeout: 15_000 });

/** A labelled sample project (synthetic chest X-rays grouped by patient), served in browser mode. */
async function serveDemo(): Promise<Served> {
  const tmp = mkdtempSync(join(tmpdir(), 'labeltune-e2e-train-'));
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
  return { ...(JSON.parse(line) as { url: string; port: number; token: string }), child, tmp };
}

async function invoke<T>(request: APIRequestContext, method: string, args: object = {}): Promise<T> {
  const res = await request.post(`http://127.0.0.1:${served.port}/api/invoke?token=${served.token}`, { data: { id: 1, method, args } });
  const body = (await res.json()) as { ok: boolean; result: T; error?: { message: string } };
  if (!body.ok) throw new Error(`${method}: ${body.error?.message}`);
  return body.result;
}

test.beforeAll(async () => {
  served = await serveDemo();
  mkdirSync(SHOTS, { recursive: true });
});
test.afterAll(async () => {
  if (!served) return;
  const exited = new Promise((resolve) => served.child.once('exit', resolve));
  served.child.kill('SIGTERM');
  await exited;
  rmSync(served.tmp, { recursive: true, force: true });
});

test('split by patient, fine-tune a tiny run, see it in Runs, evaluate it, export it to ONNX with parity', async ({ page, request }) => {
  test.setTimeout(300_000);
  await page.goto(served.url);
  await page.getByRole('tab', { name: 'Splits' }).click();
  // Each image on its own: a patient's visits land in different splits, and the leakage report
  // shows them as thumbnail pairs; one opens in the viewer to be judged.
  await page.getByLabel('Each image on its own').check();
  await page.getByRole('button', { name: 'Create splits' }).click();
  await expect(page.getByTestId('leaking-groups')).toBeVisible();
  const leakage = await invoke<{ near: { a: { id: number } }[] }>(request, 'splits.leakage');
  expect(leakage.near.length).toBeGreaterThan(0);
  const pair = page.getByTestId('leakage-near').first();
  await expect(pair.locator('img')).toHaveCount(2);
  await expect.poll(() => pair.locator('img').first().evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0))).toBeGreaterThan(0);
  await page.screenshot({ path: join(SHOTS, 'splits.png'), fullPage: true });
  await pair.getByRole('button').first().click();
  // The viewer shows the image itself (render) and, beside it, thumbnails of its near twins.
  await expect(page.getByTestId('viewer').locator('img[src*="/asset/render/"]')).toHaveAttribute('src', new RegExp(`render/${leakage.near[0].a.id}\\?`));
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('viewer')).toHaveCount(0);

  // Grouped by patient, no patient spans two splits.
  await page.getByLabel('By patient / lot').check();
  await page.getByRole('button', { name: 'Create splits' }).click();
  await expect(page.getByTestId('split-train-images')).not.toHaveText(/^0 /);
  await expect(page.getByTestId('leakage')).toBeVisible();
  await expect(page.getByTestId('leaking-groups')).toHaveCount(0);
  expect((await invoke<{ groups: unknown[] }>(request, 'splits.leakage')).groups).toEqual([]);

  await page.getByRole('tab', { name: 'Train' }).click();
  await page.locator('input[name="backbone"][value="resnet18"]').check();
  await page.locator('input[name="strategy"][value="top"]').check();
  await page.getByText('Advanced settings').click();
  await page.locator('#opt-epochs').fill('2');
  await page.locator('#opt-size').fill('32');
  await expect(page.getByTestId('plan-strategy')).toHaveText('top');
  await expect(page.getByText('2 epochs · 32 px')).toBeVisible();
  await expect(page.getByTestId('backend-badge')).toContainText('CPU');
  await page.getByRole('button', { name: 'Fine-tune' }).click();
  await expect(page.getByTestId('run-monitor')).toBeVisible();
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 240_000 });
  await expect(page.getByTestId('run-epoch')).toHaveText('2 / 2');
  await page.screenshot({ path: join(SHOTS, 'train.png'), fullPage: true });

  await page.getByRole('tab', { name: 'Runs' }).click();
  await expect(page.getByTestId('run-row')).toHaveCount(1);
  await expect(page.getByTestId('run-row')).toContainText('completed');
  await page.getByLabel('Compare run #1').check();
  await expect(page.getByTestId('chart-compare')).toBeVisible();
  await page.screenshot({ path: join(SHOTS, 'runs.png'), fullPage: true });

  await page.getByRole('tab', { name: 'Evaluate' }).click();
  await page.getByRole('button', { name: 'Evaluate on test split' }).click();
  await expect(page.getByTestId('confusion-matrix')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('class-row')).toHaveCount(3);
  const evaluation = await invoke<{ split: string; images: number; confusion: number[][]; accuracy: number } | null>(request, 'eval.get', { runId: 1 });
  expect(evaluation?.split).toBe('test');
  expect(evaluation!.confusion.flat().reduce((a, b) => a + b, 0)).toBe(evaluation!.images);
  expect(evaluation!.images).toBeGreaterThan(0);
  await expect(page.getByTestId('eval-summary')).toContainText(`${evaluation!.images} images`);
  await page.screenshot({ path: join(SHOTS, 'evaluate.png'), fullPage: true });

  await page.getByRole('tab', { name: 'Export' }).click();
  await page.locator('input[name="export-format"][value="onnx"]').check();
  await page.getByRole('button', { name: 'Export' }).click();
  await expect(page.getByTestId('export-parity')).toContainText('Parity ok', { timeout: 120_000 });
  await expect(page.getByTestId('model-card')).toContainText('resnet18, top fine-tuning');
  await page.screenshot({ path: join(SHOTS, 'export.png'), fullPage: true });

  // What the engine holds, not only what the page shows.
  const runs = await invoke<{ id: number; status: string; backbone: string; strategy: string; config: { epochs: number; imageSize: number } }[]>(request, 'runs.list');
  expect(runs.map((r) => [r.status, r.backbone, r.strategy, r.config.epochs, r.config.imageSize])).toEqual([['completed', 'resnet18', 'top', 2, 32]]);
  const exports = await invoke<{ runId: number; format: string; files: string[]; parity: { ok: boolean; maxRelError: number } }[]>(request, 'exports.list');
  expect(exports).toHaveLength(1);
  expect([exports[0].runId, exports[0].format, exports[0].parity.ok]).toEqual([runs[0].id, 'onnx', true]);
  expect(exports[0].parity.maxRelError).toBeLessThan(1e-4);
  expect(exports[0].files).toContain('model-card.md');
  await expect(page.getByTestId('export-path')).toHaveText(/run-1-onnx$/);
});
