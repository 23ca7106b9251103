import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportInfo } from '../../../shared/domain/export.ts';
import { runCli } from '../testing/cli.ts';
import { fillSampleProject } from '../runs/testing/sample-project.ts';
import { type TestEngine, createTestProject } from '../testing/test-engine.ts';

/** One tiny run, trained and exported as TF.js once: "try it" must agree with `labeltune predict` on that export. */
let t: TestEngine;
let runId: number;
let exportDir: string;
const classes = ['normal', 'effusion', 'nodule'];
const db = () => t.engine.ctx.project().db;

beforeAll(async () => {
  t = await createTestProject();
  await fillSampleProject(db(), t.projectDir, { perClass: 6, classes });
  const started = await t.client.invoke('runs.start', { backbone: 'resnet18', strategy: 'linear', epochs: 1, imageSize: 32, batchSize: 6, backend: 'cpu', seed: 3 });
  runId = started.runId;
  expect((await t.client.invoke('job.wait', { jobId: started.jobId })).status).toBe('completed');
  const exported = await t.client.invoke('exports.start', { runId, format: 'tfjs' });
  const job = await t.client.invoke('job.wait', { jobId: exported.jobId });
  expect(job.status, job.error?.message).toBe('completed');
  exportDir = (job.result as ExportInfo).path;
}, 240_000);
afterAll(async () => {
  await t.dispose();
});

/** A PNG outside the project with class c's tint (the sample project's signal), and its bytes. */
async function outsideImage(name: string, c: number): Promise<string> {
  const px = Buffer.alloc(24 * 24 * 3).map((_, k) => (k % 3 === c ? 200 : 60) + (k % 7));
  const file = join(t.tmp, name);
  await sharp(px, { raw: { width: 24, height: 24, channels: 3 } }).png().toFile(file);
  return file;
}

describe('predict.upload and predict.files (try it)', () => {
  it('predicts uploaded and pasted files as `labeltune predict` does, with Grad-CAM, and leaves the project as it was', async () => {
    const dropped = await outsideImage('dropped.png', 1);
    const pasted = await outsideImage('pasted.png', 2);
    const broken = join(t.tmp, 'broken.png');
    writeFileSync(broken, 'not a png');
    const before = await t.client.invoke('images.counts', {});
    const events: string[] = [];
    t.client.on('labels.changed', () => events.push('labels.changed'));

    // The dropped file arrives in two parts, as the UI sends a large one.
    const bytes = (await import('node:fs')).readFileSync(dropped);
    const first = await t.client.invoke('predict.upload', { name: 'dropped.png', data: bytes.subarray(0, 100).toString('base64') });
    const second = await t.client.invoke('predict.upload', { uploadId: first.uploadId, name: 'dropped.png', data: bytes.subarray(100).toString('base64') });
    expect(second.bytes).toBe(bytes.length);
    const tried = await t.client.invoke('predict.files', { runId, sources: [{ uploadId: first.uploadId }, { path: pasted }, { path: broken }], overlaySize: 64 });

    expect(tried.classes).toEqual(classes);
    expect(tried.items.map((i) => i.source)).toEqual(['dropped.png', pasted, broken]);
    expect(tried.items[2]).toMatchObject({ probs: null, overlay: null, error: expect.stringContaining('broken.png') });
    for (const item of tried.items.slice(0, 2)) {
      expect(item.overlay).toMatch(/^data:image\/png;base64,/);
      const png = await sharp(Buffer.from(item.overlay!.slice('data:image/png;base64,'.length), 'base64')).metadata();
      expect([png.width, png.height]).toEqual([64, 64]);
      expect(item.predictedClass).toBe(item.probs!.indexOf(Math.max(...item.probs!)));
    }

    const cli = await runCli('predict', exportDir, dropped, pasted, '--json');
    expect(cli.code, cli.err).toBe(0);
    const rows = JSON.parse(cli.out).rows as { path: string; probs: number[] }[];
    for (const [k, file] of [dropped, pasted].entries()) {
      const reference = rows.find((r) => r.path === file)!.probs;
      tried.items[k].probs!.forEach((p, c) => expect(p).toBeCloseTo(reference[c], 4));
    }

    expect(await t.client.invoke('images.counts', {})).toEqual(before);
    expect(db().prepare('SELECT count(*) FROM images').pluck().get()).toBe(18);
    expect(events).toEqual([]);
    // The uploaded copy is gone; the upload cannot be used twice.
    expect(readdirSync(tmpdir()).filter((d) => d.startsWith('labeltune-try-')).flatMap((d) => readdirSync(join(tmpdir(), d))).some((f) => f.startsWith(first.uploadId))).toBe(false);
    await expect(t.client.invoke('predict.files', { runId, sources: [{ uploadId: first.uploadId }] })).rejects.toMatchObject({ code: 'not-found' });
  });

  it('refuses a relative or missing path with the path in the message', async () => {
    await expect(t.client.invoke('predict.files', { runId, sources: [{ path: 'scan.png' }] })).rejects.toThrow('scan.png is not an absolute path');
    const missing = join(t.tmp, 'nowhere.png');
    expect(existsSync(missing)).toBe(false);
    await expect(t.client.invoke('predict.files', { runId, sources: [{ path: missing }] })).rejects.toThrow(`${missing} is not a file on this machine`);
  });
});
