import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type APIRequestContext } from '@playwright/test';
import sharp from 'sharp';
import { SHOTS, serve, type Served } from './serve.ts';

/**
 * Issue 14, point 9 in browser mode against the real engine: the server's path browser imports a
 * folder chosen by clicking through it (a browser cannot tell where dropped files are).
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
  const res = await request.post(`http://127.0.0.1:${served.port}/api/invoke?token=${served.token}`, { data: { id: 1, method, args } });
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
