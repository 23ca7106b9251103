import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Protocol } from 'electron';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestProject, type TestEngine } from '../engine/testing/test-engine.ts';
import { handleAppProtocol } from './protocol.ts';
import { CONTENT_SECURITY_POLICY } from '../engine/server/csp.ts';

describe('labeltune:// protocol', () => {
  let t: TestEngine;
  let dist: string;
  let handle: (request: Request) => Promise<Response>;

  beforeEach(async () => {
    t = await createTestProject();
    dist = mkdtempSync(join(tmpdir(), 'labeltune-dist-'));
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>LabelTune</title>');
    writeFileSync(join(dist, 'assets', 'app.js'), 'console.log(1)');
    t.engine.ctx.assets.register('test', async (rest) => ({ contentType: 'image/png', body: Buffer.from(`png:${rest}`) }));
    const protocol = {
      handle: (_scheme: string, h: (request: Request) => Promise<Response>) => {
        handle = h;
      },
    } as unknown as Protocol;
    handleAppProtocol(protocol, (path, query) => t.engine.ctx.assets.resolve(path, new URLSearchParams(query)), dist);
  });
  afterEach(async () => {
    await t.dispose();
    rmSync(dist, { recursive: true, force: true });
  });

  const get = (url: string) => handle(new Request(url));

  it('serves the app pages with the strict CSP', async () => {
    const res = await get('labeltune://app/index.html');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(await res.text()).toBe('<!doctype html><title>LabelTune</title>');
    const js = await get('labeltune://app/assets/app.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it('never serves files outside the renderer build', async () => {
    const res = await get('labeltune://app/..%2F..%2Fetc%2Fpasswd');
    expect(res.status).toBe(404);
  });

  it('answers labeltune://asset/ from the engine asset registry', async () => {
    const res = await get('labeltune://asset/test/42');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(await res.text()).toBe('png:42');
  });

  it('answers unknown assets with 404 and the engine message', async () => {
    const res = await get('labeltune://asset/nothing/1');
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('No asset at "/nothing/1".');
  });
});
