import { request as httpRequest } from 'node:http';
import { expect, test } from '@playwright/test';
import WebSocket from 'ws';
import { serve, type Served } from './serve.ts';

let served: Served;

test.beforeAll(async () => {
  served = await serve('Token checks');
});
test.afterAll(() => served.stop());

interface Reply {
  status: number;
  body: string;
}

/** A raw request (node http), so the Host header and the token are exactly what the test says. */
function send(path: string, opts: { method?: string; host?: string; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: served.port,
        path,
        method: opts.method ?? 'GET',
        headers: { host: opts.host ?? `127.0.0.1:${served.port}`, 'content-type': 'application/json' },
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const invokeBody = JSON.stringify({ id: 1, method: 'project.info', args: {} });

/** The HTTP status the server answers a WebSocket upgrade with (101 when it accepts). */
function upgradeStatus(query: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${served.port}/ws${query}`);
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('error', (e) => reject(e));
  });
}

test('POST /api/invoke needs the token', async () => {
  expect((await send('/api/invoke', { method: 'POST', body: invokeBody })).status).toBe(401);
  expect((await send('/api/invoke?token=wrong', { method: 'POST', body: invokeBody })).status).toBe(401);
  const ok = await send(`/api/invoke?token=${served.token}`, { method: 'POST', body: invokeBody });
  expect(ok.status).toBe(200);
  expect(JSON.parse(ok.body).result.name).toBe('Token checks');
});

test('/asset/ needs the token', async () => {
  expect((await send('/asset/thumb/1')).status).toBe(401);
  expect((await send('/asset/thumb/1?token=wrong')).status).toBe(401);
  // With the token the request gets past the check; an unknown asset is then a 404, not a 401.
  expect((await send(`/asset/no-such-kind/1?token=${served.token}`)).status).toBe(404);
});

test('the WebSocket upgrade needs the token', async () => {
  expect(await upgradeStatus('')).toBe(401);
  expect(await upgradeStatus('?token=wrong')).toBe(401);
  expect(await upgradeStatus(`?token=${served.token}`)).toBe(101);
});

test('requests for another Host name are refused (DNS rebinding)', async () => {
  const rebound = await send(`/api/invoke?token=${served.token}`, { method: 'POST', body: invokeBody, host: `evil.example:${served.port}` });
  expect(rebound.status).toBe(403);
  expect((await send('/', { host: 'evil.example' })).status).toBe(403);
  expect((await send('/', { host: `localhost:${served.port}` })).status).toBe(200);
});
