import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedFixture } from '../../testing/fixtures.ts';
import { runCli } from '../../testing/cli.ts';

const VIT = sharedFixture('backbones/vit_tiny_patch16_224/model.safetensors');
const VIT_BYTES = readFileSync(VIT);
let home: string;
let server: Server;
let endpoint: string;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'labeltune-weights-cli-'));
  process.env.LABELTUNE_HOME = home; // the CLI builds its engine on the default home
  server = createServer((req, res) => {
    if (req.url === '/timm/vit_tiny_patch16_224.augreg_in21k_ft_in1k/resolve/main/model.safetensors') res.end(VIT_BYTES);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(home, { recursive: true, force: true });
});

const cli = runCli;

describe('labeltune weights', () => {
  it('lists the catalog as JSON', async () => {
    const r = await cli('weights', 'list', '--json');
    expect(r.code).toBe(0);
    const list = JSON.parse(r.out) as { arch: string; cached: boolean }[];
    expect(list.map((e) => e.arch)).toContain('vit_base_patch16_224');
    expect(list.every((e) => !e.cached)).toBe(true);
  });

  it('downloads from --endpoint, then the list shows it cached', async () => {
    const r = await cli('weights', 'download', 'vit_tiny_patch16_224', '--endpoint', endpoint, '--json');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out);
    expect(result).toMatchObject({ arch: 'vit_tiny_patch16_224', cached: true, source: 'download', size: VIT_BYTES.length });
    expect(result.sha256).toBe(createHash('sha256').update(VIT_BYTES).digest('hex'));
    const list = await cli('weights', 'list');
    expect(list.out).toMatch(/vit_tiny_patch16_224 .* cached \(download, 11\.1 MB/);
  });

  it('imports a file with --arch, and reports user and usage errors with exit codes 1 and 2', async () => {
    const ok = await cli('weights', 'import', sharedFixture('backbones/resnet18/model.safetensors'), '--arch', 'resnet18');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^Imported .*resnet18\/model\.safetensors as resnet18\n .*timm\/resnet18\.a1_in1k\/model\.safetensors\n  sha256 [0-9a-f]{64}$/);
    const wrong = await cli('weights', 'import', sharedFixture('backbones/resnet18/model.safetensors'), '--arch', 'resnet50', '--json');
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.out).error).toMatchObject({ code: 'validation' });
    expect((await cli('weights', 'import', 'x.safetensors')).code).toBe(2);
    expect((await cli('weights', 'fetch', 'resnet18')).code).toBe(2);
    const missing = await cli('weights', 'download', 'resnet50', '--endpoint', endpoint);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/was not found \(HTTP 404\)/);
  });
});
