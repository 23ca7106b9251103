import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { SHOTS, serve, type Served } from './serve.ts';

let served: Served;

test.beforeAll(async () => {
  // Four images, one of them excluded: the header must show exactly what the database holds.
  served = await serve('Hand radiographs', [false, false, true, false]);
});
test.afterAll(() => served.stop());

test('shows the served project with its name, folder and counts', async ({ page }) => {
  await page.goto(served.url);
  await expect(page.getByTestId('project-name')).toHaveText('Hand radiographs');
  await expect(page.getByTestId('project-dir')).toHaveText(served.projectDir);
  await expect(page.getByTestId('count-images')).toHaveText('4');
  await expect(page.getByTestId('count-excluded')).toHaveText('1');
  await expect(page.getByTestId('count-labelled')).toHaveText('0');
  await expect(page.getByTestId('connection-banner')).toHaveCount(0);
});

test('creates a second project from the Projects view, on disk, and lists the first as recent', async ({ page }) => {
  const secondDir = join(served.tmp, 'second-project');
  await page.goto(served.url);
  await page.getByRole('button', { name: 'Projects…' }).click();
  await expect(page.getByTestId('recent-project')).toHaveCount(1);
  await expect(page.getByTestId('recent-project')).toContainText('Hand radiographs');

  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, 'projects.png') });

  // Keyboard only: the folder field, the name field, then Enter submits.
  await page.locator('#create-dir').focus();
  await page.keyboard.type(secondDir);
  await page.keyboard.press('Tab');
  await page.keyboard.type('Second study');
  await page.keyboard.press('Enter');

  await expect(page.getByTestId('project-name')).toHaveText('Second study');
  await expect(page.getByTestId('count-images')).toHaveText('0');
  expect(existsSync(join(secondDir, 'project.db'))).toBe(true);

  await page.getByRole('button', { name: 'Projects…' }).click();
  await expect(page.getByTestId('recent-project')).toHaveCount(2);
  await expect(page.getByTestId('recent-project').first()).toContainText('Second study');
});

test('shows the engine message when opening a folder that is not a project', async ({ page }) => {
  const notAProject = join(served.tmp, 'empty-folder');
  mkdirSync(notAProject);
  await page.goto(served.url);
  await page.getByRole('button', { name: 'Projects…' }).click();
  await page.locator('#open-dir').fill(notAProject);
  await page.getByRole('button', { name: 'Open project' }).click();
  await expect(page.getByRole('alert')).toContainText(notAProject);
});

test('the job tray follows a running job and cancels it', async ({ page, request }) => {
  await page.goto(served.url);
  await expect(page.getByTestId('project-name')).toBeVisible();
  const res = await request.post(`http://127.0.0.1:${served.port}/api/invoke?token=${served.token}`, {
    data: { id: 1, method: 'job.count', args: { to: 10_000, intervalMs: 20 } },
  });
  const { result } = (await res.json()) as { result: { jobId: string } };

  const job = page.getByTestId('job');
  await expect(job).toHaveCount(1);
  await expect(job).toContainText('/ 10000');
  await page.screenshot({ path: join(SHOTS, 'job-tray.png') });
  await page.getByRole('button', { name: /^Cancel/ }).click();
  await expect(job).toHaveCount(0);

  const after = await request.post(`http://127.0.0.1:${served.port}/api/invoke?token=${served.token}`, {
    data: { id: 2, method: 'job.get', args: { jobId: result.jobId } },
  });
  const state = ((await after.json()) as { result: { status: string; done: number } }).result;
  expect(state.status).toBe('cancelled');
  expect(state.done).toBeLessThan(10_000);
});

test('renames the open project from the header with the keyboard; the engine holds the new name', async ({ page, request }) => {
  await page.goto(served.url);
  await expect(page.getByTestId('project-name')).toBeVisible();
  await page.getByRole('button', { name: 'Rename project' }).focus();
  await page.keyboard.press('Enter');
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type('Hands, second read');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('project-name')).toHaveText('Hands, second read');

  const res = await request.post(`http://127.0.0.1:${served.port}/api/invoke?token=${served.token}`, {
    data: { id: 1, method: 'project.info', args: {} },
  });
  expect(((await res.json()) as { result: { name: string } }).result.name).toBe('Hands, second read');
});
