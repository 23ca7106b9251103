import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type APIRequestContext, expect, test } from '@playwright/test';
import type { WeightsEntry } from '../../shared/contract/weights.ts';
import { fixturePath } from '../../electron/weights/testing/fixtures.ts';
import { SHOTS, type Served, serve } from './serve.ts';

/**
 * Weights from the UI against a stand-in for huggingface.co on 127.0.0.1, which the engine is
 * pointed at with LABELTUNE_HF_ENDPOINT (as a hospital mirror would be). The catalog pins no
 * sha256, so the shared random-weight timm fixtures download as they are; the damaged case is a
 * redirect whose X-Linked-Etag names another hash, as huggingface.co's CDN redirect does.
 */
const RESNET18 = readFileSync(fixturePath('resnet18/model.safetensors'));
const RESNET18_SHA = createHash('sha256').update(RESNET18).digest('hex');
const VIT_TINY = fixturePath('vit_tiny_patch16_224/model.safetensors');
const CUT_AT = 1_000_000;

let hub: Server;
let hubUrl: string;
let served: Served;
const requests: { url: string; range: string | undefined }[] = [];
/** resnet34 breaks off after CUT_AT bytes this many more times (the engine itself retries 3 times). */
let resnet34Cuts = 4;

function hubHandler(req: IncomingMessage, res: ServerResponse): void {
  requests.push({ url: req.url ?? '', range: req.headers.range });
  if (req.url === '/timm/vit_small_patch16_224.augreg_in21k_ft_in1k/resolve/main/model.safetensors') {
    res.writeHead(302, { location: '/cdn/vit-small', 'x-linked-etag': `"${'f'.repeat(64)}"` }).end();
    return;
  }
  const body =
    req.url === '/timm/resnet18.a1_in1k/resolve/main/model.safetensors' || req.url === '/timm/resnet34.a1_in1k/resolve/main/model.safetensors'
      ? RESNET18
      : req.url === '/cdn/vit-small'
        ? readFileSync(VIT_TINY)
        : null;
  if (!body) {
    res.writeHead(404).end('Entry not found');
    return;
  }
  const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
  const headers: Record<string, string | number> = { 'content-length': body.length - start, 'content-type': 'application/octet-stream' };
  if (start > 0) headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
  res.writeHead(start > 0 ? 206 : 200, headers);
  const rest = body.subarray(start);
  if (req.url?.startsWith('/timm/resnet34') && resnet34Cuts > 0) {
    resnet34Cuts--;
    res.write(rest.subarray(0, CUT_AT), () => res.destroy());
  } else {
    res.end(rest);
  }
}

async function weightsList(request: APIRequestContext): Promise<WeightsEntry[]> {
  const res = await request.post(`http://127.0.0.1:${served.port}/api/invoke?token=${served.token}`, { data: { id: 1, method: 'weights.list', args: {} } });
  const body = (await res.json()) as { ok: boolean; result: WeightsEntry[] };
  expect(body.ok).toBe(true);
  return body.result;
}

test.use({ actionTimeout: 15_000 });

test.beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  hub = createServer(hubHandler);
  await new Promise<void>((r) => hub.listen(0, '127.0.0.1', r));
  const before = process.env.LABELTUNE_HF_ENDPOINT;
  hubUrl = `http://127.0.0.1:${(hub.address() as AddressInfo).port}`;
  process.env.LABELTUNE_HF_ENDPOINT = hubUrl;
  try {
    served = await serve('Weights');
  } finally {
    if (before === undefined) delete process.env.LABELTUNE_HF_ENDPOINT;
    else process.env.LABELTUNE_HF_ENDPOINT = before;
  }
});
test.afterAll(async () => {
  await served?.stop();
  await new Promise<void>((r) => hub.close(() => r()));
});

test('Train view: download the chosen backbone\'s weights, then it starts from them by default', async ({ page, request }) => {
  await page.goto(served.url);
  await page.getByRole('tab', { name: 'Train' }).click();
  await expect(page.locator('input[name="backbone"][value="resnet18"]')).toBeChecked();
  await expect(page.getByTestId('weights-warning')).toContainText('far lower accuracy than fine-tuning');
  await page.screenshot({ path: join(SHOTS, 'train-no-weights.png'), fullPage: true });
  const pretrained = page.getByLabel('Start from pretrained weights');
  await expect(pretrained).not.toBeChecked();
  await expect(pretrained).toBeDisabled();

  await page.getByRole('button', { name: 'Download weights' }).click();
  await expect(page.getByTestId('weights-present')).toContainText(`22.4 MB · downloaded · sha256 ${RESNET18_SHA.slice(0, 12)}… recorded`);
  await expect(page.getByTestId('weights-outcome')).toHaveText(`Downloaded resnet18 weights (22.4 MB, sha256 ${RESNET18_SHA.slice(0, 12)}…).`);
  await expect(page.getByTestId('weights-warning')).toHaveCount(0);
  await expect(pretrained).toBeChecked();
  expect(requests.map((r) => r.url)).toContain('/timm/resnet18.a1_in1k/resolve/main/model.safetensors');
  const entry = (await weightsList(request)).find((e) => e.arch === 'resnet18');
  expect(entry).toMatchObject({ cached: true, sha256: RESNET18_SHA, size: RESNET18.length, source: 'download', downloadJob: null });
});

test('Weights tab: a broken download resumes, a damaged one says why, and a file imports by path', async ({ page, request }) => {
  await page.goto(served.url);
  await page.getByRole('tab', { name: 'Weights' }).click();
  const row = (arch: string) => page.locator(`[data-testid="weights-row"][data-arch="${arch}"]`);
  await expect(page.getByTestId('weights-row')).toHaveCount(6);
  await expect(row('resnet18').getByTestId('weights-row-status')).toHaveText('present');
  await expect(row('resnet34').getByTestId('weights-row-status')).toHaveText('not downloaded');
  await expect(row('resnet34')).toContainText(`from ${hubUrl}/timm/resnet34.a1_in1k/resolve/main/model.safetensors`);

  // The connection breaks off four times: the engine's own retries give up, the UI offers to resume.
  await row('resnet34').getByRole('button', { name: 'Download weights' }).click();
  await expect(row('resnet34').getByTestId('weights-outcome')).toContainText('kept breaking off (4 attempts');
  await expect(row('resnet34').getByTestId('weights-row-status')).toHaveText('not downloaded');
  await row('resnet34').getByRole('button', { name: 'Resume download' }).click();
  await expect(row('resnet34').getByTestId('weights-outcome')).toContainText('resumed an interrupted download');
  await expect(row('resnet34').getByTestId('weights-row-status')).toHaveText('present');
  const resnet34 = requests.filter((r) => r.url.startsWith('/timm/resnet34'));
  // Four attempts in the first job, then the UI's resume: each continues where the last stopped.
  const offsets = resnet34.map((r) => Number(/^bytes=(\d+)-$/.exec(r.range ?? 'bytes=0-')?.[1]));
  expect(offsets).toHaveLength(5);
  expect(offsets[0]).toBe(0);
  offsets.slice(1).forEach((at, i) => {
    expect(at).toBeGreaterThan(offsets[i]);
    expect(at).toBeLessThanOrEqual((i + 1) * CUT_AT);
  });

  // The server names another sha256 than the bytes have: the file is removed, and the message says so.
  await row('vit_small_patch16_224').getByRole('button', { name: 'Download weights' }).click();
  await expect(row('vit_small_patch16_224').getByTestId('weights-outcome')).toContainText(
    `is damaged: its sha256 is ${createHash('sha256').update(readFileSync(VIT_TINY)).digest('hex')}, expected ${'f'.repeat(64)} (from the server's X-Linked-Etag). The file was removed`,
  );
  await expect(row('vit_small_patch16_224').getByRole('button', { name: 'Download again' })).toBeVisible();

  // The failed jobs were also reported as toasts, wherever the user was; they sit over the rows'
  // buttons at this window size, so clear them as a user would (one button for several).
  await expect(page.getByTestId('toast')).toHaveCount(2);
  await page.getByRole('button', { name: 'Dismiss all (2)' }).click();
  await expect(page.getByTestId('toast')).toHaveCount(0);

  // Import: a wrong file first (the engine's message is shown), then the real one.
  const vit = row('vit_tiny_patch16_224');
  await vit.getByRole('button', { name: 'Import file…' }).click();
  await vit.getByLabel(/Weights file for vit_tiny_patch16_224/).fill(fixturePath('resnet18/model.safetensors'));
  await vit.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(vit.getByTestId('weights-outcome')).toContainText('does not look like vit_tiny_patch16_224 weights (it has no "patch_embed.proj.weight" tensor)');
  await vit.getByLabel(/Weights file for vit_tiny_patch16_224/).fill(VIT_TINY);
  await vit.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(vit.getByTestId('weights-outcome')).toHaveText(/^Imported .*vit_tiny_patch16_224\/model\.safetensors as vit_tiny_patch16_224 weights \(11\.1 MB, sha256 [0-9a-f]{12}… \(the catalog pins none to compare\)\)\.$/);
  await expect(vit.getByTestId('weights-row-status')).toHaveText('present');
  // An import's outcome is shown in its row, not as a toast: the picture has none.
  await expect(page.getByTestId('toast')).toHaveCount(0);
  await page.screenshot({ path: join(SHOTS, 'weights.png'), fullPage: true });

  const list = await weightsList(request);
  expect(list.map((e) => [e.arch, e.cached, e.source])).toEqual([
    ['resnet18', true, 'download'],
    ['resnet34', true, 'download'],
    ['resnet50', false, null],
    ['vit_tiny_patch16_224', true, 'import'],
    ['vit_small_patch16_224', false, null],
    ['vit_base_patch16_224', false, null],
  ]);
  expect(list.find((e) => e.arch === 'resnet34')?.sha256).toBe(RESNET18_SHA);
});
