import { mkdirSync, writeFileSync } from 'node:fs';
import { type IncomingHttpHeaders, request } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createTestProject, type TestEngine } from '../testing/test-engine.ts';
import { CONTENT_SECURITY_POLICY } from './csp.ts';
import { type RunningServer, startServer } from './server.ts';

let t: TestEngine;
let server: RunningServer;
afterEach(async () => {
  await server?.close();
  await t?.dispose();
});

interface Reply {
  status: number;
  body: string;
}

interface HttpOptions {
  method?: string;
  body?: unknown;
  /** Sent as is instead of `body` as JSON. */
  raw?: string | Buffer;
  headers?: Record<string, string | number>;
}

const lastHeaders: { value: IncomingHttpHeaders } = { value: {} };

function http(path: string, opts: HttpOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      lastHeaders.value = res.headers;
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (opts.raw !== undefined) req.write(opts.raw);
    else if (opts.body !== undefined) req.write(JSON.stringify(opts.body));
    req.end();
  });
}

async function start(staticDir?: string) {
  t = await createTestProject('Served project');
  server = await startServer({ engine: t.engine, port: 0, staticDir: staticDir ?? join(t.tmp, 'no-build') });
}

const invoke = (method: string, args: unknown, token?: string) =>
  http(token === undefined ? '/api/invoke' : `/api/invoke?token=${encodeURIComponent(token)}`, { method: 'POST', body: { id: 1, method, args } });

describe('browser-mode server', () => {
  it('binds to 127.0.0.1 and prints a URL carrying a long random token', async () => {
    await start();
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?token=[A-Za-z0-9_-]{32}$`));
  });

  it('answers API calls only with the right token (401 otherwise)', async () => {
    await start();
    expect((await invoke('project.info', {})).status).toBe(401);
    expect((await invoke('project.info', {}, 'wrong')).status).toBe(401);
    expect((await invoke('project.info', {}, server.token.slice(0, -1))).status).toBe(401);
    const ok = await invoke('project.info', {}, server.token);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ ok: true, result: { name: 'Served project', counts: { images: 0 } } });
    const bearer = await http('/api/invoke', { method: 'POST', body: { id: 2, method: 'project.info', args: {} }, headers: { authorization: `Bearer ${server.token}` } });
    expect(bearer.status).toBe(200);
  });

  it('maps engine errors to HTTP statuses with the engine message', async () => {
    await start();
    const bad = await invoke('project.rename', { name: '' }, server.token);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toMatchObject({ code: 'validation', message: expect.stringMatching(/Name must not be empty\./) });
    const missing = await invoke('job.get', { jobId: 'x' }, server.token);
    expect(missing.status).toBe(404);
  });

  it('refuses assets without the token, and unknown assets with it', async () => {
    await start();
    expect((await http('/asset/thumb/1')).status).toBe(401);
    const unknown = await http(`/asset/nothing/1?token=${server.token}`);
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body).error.code).toBe('not-found');
  });

  it('serves assets registered by the engine', async () => {
    await start();
    t.engine.ctx.assets.register('echo', async (rest, q) => ({ contentType: 'text/plain', body: Buffer.from(`${rest}:${q.get('x')}`) }));
    const r = await http(`/asset/echo/42?x=7&token=${server.token}`);
    expect(r).toEqual({ status: 200, body: '42:7' });
    expect((await http(`/asset/echo/../../etc/passwd?token=${server.token}`)).status).toBe(404);
  });

  it('refuses requests addressed to another host name (DNS rebinding)', async () => {
    await start();
    const r = await http(`/api/invoke?token=${server.token}`, { method: 'POST', body: { method: 'project.info', args: {} }, headers: { host: 'evil.example:80' } });
    expect(r.status).toBe(403);
  });

  it('serves the built app shell without a token, and nothing outside it', async () => {
    t = await createTestProject();
    const dist = join(t.tmp, 'dist');
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), '<title>LabelTune app</title>');
    writeFileSync(join(dist, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(t.tmp, 'secret.txt'), 'secret');
    server = await startServer({ engine: t.engine, port: 0, staticDir: dist });
    expect(await http('/')).toEqual({ status: 200, body: '<title>LabelTune app</title>' });
    expect((await http('/assets/app.js')).body).toBe('console.log(1)');
    expect((await http('/..%2fsecret.txt')).status).toBe(404);
    expect((await http('/../secret.txt')).status).toBe(404);
  });

  it('says how to build the UI when it is missing', async () => {
    await start();
    const r = await http('/');
    expect(r.status).toBe(200);
    expect(r.body).toMatch(/npm run build:renderer/);
  });

  it('WebSocket: rejects a missing token, then carries calls and job events', async () => {
    await start();
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => undefined);
    });
    expect(refused).toBe(401);

    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`);
    await new Promise((r) => ws.once('open', r));
    const messages: Record<string, unknown>[] = [];
    ws.on('message', (m) => messages.push(JSON.parse(m.toString())));
    ws.send(JSON.stringify({ id: 7, method: 'job.count', args: { to: 3, intervalMs: 1 } }));
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (messages.some((m) => m.event === 'job.finished')) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
    ws.close();
    const reply = messages.find((m) => m.id === 7) as { ok: boolean; result: { jobId: string } };
    expect(reply.ok).toBe(true);
    const finished = messages.find((m) => m.event === 'job.finished') as { payload: { id: string; status: string; done: number } };
    expect(finished.payload).toMatchObject({ id: reply.result.jobId, status: 'completed', done: 3 });
    const lastProgress = messages.filter((m) => m.event === 'job.progress').at(-1) as { payload: { done: number; total: number } };
    expect(lastProgress.payload).toMatchObject({ done: 3, total: 3 });
  });
});

describe('browser-mode server: HTTP hardening', () => {
  const api = () => `/api/invoke?token=${server.token}`;
  const errorOf = (r: Reply) => JSON.parse(r.body).error as { code: string; message: string };

  it('sends the desktop Content-Security-Policy on the app shell and API replies', async () => {
    await start();
    await http('/');
    expect(lastHeaders.value['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    await http(api(), { method: 'POST', body: { method: 'project.info', args: {} } });
    expect(lastHeaders.value['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
  });

  it('refuses a cross-origin POST with 403, and serves our own origin and scripts without one', async () => {
    await start();
    const call = (origin?: string) =>
      http(api(), { method: 'POST', body: { method: 'project.info', args: {} }, headers: origin ? { origin } : {} });
    const evil = await call('https://evil.example');
    expect(evil).toEqual({ status: 403, body: 'Cross-origin request refused: only the LabelTune page (or a script sending no Origin) may call the API' });
    expect((await call('null')).status).toBe(403);
    expect((await call(`http://127.0.0.1:${server.port + 1}`)).status).toBe(403);
    expect((await call(`http://127.0.0.1:${server.port}`)).status).toBe(200);
    expect((await call(`http://localhost:${server.port}`)).status).toBe(200);
    expect((await call()).status).toBe(200);
  });

  it('answers invalid JSON and non-object bodies with 400 and an example of what to send', async () => {
    await start();
    const broken = await http(api(), { method: 'POST', raw: '{"method": "project.info",' });
    expect(broken.status).toBe(400);
    expect(errorOf(broken)).toMatchObject({ code: 'validation', message: expect.stringMatching(/^Request body is not valid JSON \(.+\); send \{"method"/) });
    const list = await http(api(), { method: 'POST', raw: '[1, 2]' });
    expect([list.status, errorOf(list).message]).toEqual([400, 'Request body must be a JSON object like {"method": "project.info", "args": {}}.']);
  });

  it('answers an oversize body with 413 and a message (sized or streamed), then keeps serving', async () => {
    await start();
    const big = Buffer.alloc(1024 * 1024 + 1, 0x20);
    const sized = await http(api(), { method: 'POST', raw: big, headers: { 'content-length': big.length } });
    expect(sized.status).toBe(413);
    expect(errorOf(sized)).toEqual({
      code: 'validation',
      message: 'Request body is 1048577 bytes; the limit is 1048576. Send large id lists in parts (e.g. 10,000 ids per call).',
    });
    const streamed = await http(api(), { method: 'POST', raw: big });
    expect(streamed.status).toBe(413);
    expect((await http(api(), { method: 'POST', body: { method: 'project.info', args: {} } })).status).toBe(200);
  });
});
