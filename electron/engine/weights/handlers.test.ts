import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WeightsDownloadResult } from '../../../shared/contract/weights.ts';
import { sharedFixture } from '../testing/fixtures.ts';
import { type TestEngine, createTestEngine } from '../testing/test-engine.ts';

const RESNET18 = readFileSync(sharedFixture('backbones/resnet18/model.safetensors'));
const SHA = createHash('sha256').update(RESNET18).digest('hex');
let server: Server;
let endpoint: string;
let t: TestEngine;

beforeAll(async () => {
  // A stand-in for huggingface.co that has only resnet18.
  server = createServer((req, res) => {
    if (req.url === '/timm/resnet18.a1_in1k/resolve/main/model.safetensors') res.writeHead(200, { 'content-length': RESNET18.length }).end(RESNET18);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  t = createTestEngine();
});
afterEach(() => t.dispose());

describe('weights handlers', () => {
  it('lists the six catalog architectures, none cached in a fresh home', async () => {
    const list = await t.client.invoke('weights.list', {});
    expect(list.map((e) => e.arch)).toEqual(['resnet18', 'resnet34', 'resnet50', 'vit_tiny_patch16_224', 'vit_small_patch16_224', 'vit_base_patch16_224']);
    expect(list[2]).toMatchObject({ repo: 'timm/resnet50.a1_in1k', url: 'https://huggingface.co/timm/resnet50.a1_in1k/resolve/main/model.safetensors', featureDim: 2048, cached: false, sha256: null, path: null });
  });

  it('downloads as a job with progress, then lists the weights as cached with their sha256', async () => {
    const progress: number[] = [];
    t.client.on('job.progress', (p) => progress.push(p.done));
    const { jobId } = await t.client.invoke('weights.download', { arch: 'resnet18', endpoint });
    const job = await t.client.invoke('job.wait', { jobId });
    expect(job.status).toBe('completed');
    const result = job.result as WeightsDownloadResult;
    expect(result).toMatchObject({ arch: 'resnet18', cached: true, alreadyCached: false, resumed: false, sha256: SHA, size: RESNET18.length, source: 'download' });
    expect(progress.at(-1)).toBe(RESNET18.length);
    const list = await t.client.invoke('weights.list', {});
    expect(list.find((e) => e.arch === 'resnet18')).toMatchObject({ cached: true, sha256: SHA });
    const again = await t.client.invoke('job.wait', (await t.client.invoke('weights.download', { arch: 'resnet18', endpoint })));
    expect((again.result as WeightsDownloadResult).alreadyCached).toBe(true);
  });

  it('refuses a second download of the same arch while the first runs', async () => {
    const { jobId } = await t.client.invoke('weights.download', { arch: 'resnet18', endpoint });
    await expect(t.client.invoke('weights.download', { arch: 'resnet18', endpoint })).rejects.toMatchObject({
      code: 'conflict',
      message: `resnet18 is already being downloaded (job ${jobId}). Wait for that job or cancel it first.`,
    });
    expect((await t.client.invoke('weights.list', {})).find((e) => e.arch === 'resnet18')?.downloadJob).toBe(jobId);
    await expect(t.client.invoke('weights.import', { path: sharedFixture('backbones/resnet18/model.safetensors'), arch: 'resnet18' })).rejects.toMatchObject({
      code: 'conflict',
      message: `resnet18 is being downloaded (job ${jobId}). Cancel that job before importing a file for it.`,
    });
    expect((await t.client.invoke('job.wait', { jobId })).status).toBe('completed');
    expect((await t.client.invoke('weights.list', {})).find((e) => e.arch === 'resnet18')?.downloadJob).toBeNull();
    const again = await t.client.invoke('weights.download', { arch: 'resnet18', endpoint });
    expect((await t.client.invoke('job.wait', again)).status).toBe('completed');
  });

  it('fails the job with not-found when the mirror lacks the file', async () => {
    const { jobId } = await t.client.invoke('weights.download', { arch: 'resnet50', endpoint });
    const job = await t.client.invoke('job.wait', { jobId });
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({ code: 'not-found' });
    expect(job.error?.message).toMatch(/timm\/resnet50\.a1_in1k\/resolve\/main\/model\.safetensors was not found \(HTTP 404\)/);
  });

  it('imports a local file offline and refuses unknown architectures', async () => {
    const r = await t.client.invoke('weights.import', { path: sharedFixture('backbones/vit_tiny_patch16_224/model.safetensors'), arch: 'vit_tiny_patch16_224' });
    const sha = createHash('sha256').update(readFileSync(sharedFixture('backbones/vit_tiny_patch16_224/model.safetensors'))).digest('hex');
    expect(r).toMatchObject({ arch: 'vit_tiny_patch16_224', cached: true, source: 'import', sha256: sha, matchesCatalog: null });
    // The model host checks the file against the architecture's layout before it enters the cache.
    await expect(t.client.invoke('weights.import', { path: sharedFixture('backbones/resnet18/model.safetensors'), arch: 'resnet50' })).rejects.toMatchObject({
      code: 'validation',
      message: expect.stringMatching(/model\.safetensors has 512-wide features but resnet50 has 2048: the file is for another architecture/),
    });
    expect((await t.client.invoke('weights.list', {})).find((e) => e.arch === 'resnet50')).toMatchObject({ cached: false, sha256: null });
    await expect(t.client.invoke('weights.download', { arch: 'resnet101' })).rejects.toMatchObject({ code: 'not-found', message: expect.stringMatching(/Unknown architecture "resnet101"/) });
    await expect(t.client.invoke('weights.import', { path: '', arch: 'resnet18' })).rejects.toMatchObject({ code: 'validation' });
  });
});
