import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EngineError } from '../../../shared/contract/errors.ts';
import type { EventMessage, RequestMessage, ResponseMessage } from '../../../shared/contract/index.ts';
import { appRoot } from '../app-files.ts';
import { toEngineError } from '../dispatcher.ts';
import type { Engine } from '../engine.ts';
import { generateToken, hostAllowed, originAllowed, requestToken, tokenMatches } from './auth.ts';
import { BodyError, parseRequest, readBody } from './body.ts';
import { CONTENT_SECURITY_POLICY } from './csp.ts';
import { MISSING_BUILD_PAGE, readStatic } from './static.ts';

export interface ServerOptions {
  engine: Engine;
  /** 0 picks a free port. */
  port?: number;
  token?: string;
  /** The built renderer (vite's output). */
  staticDir?: string;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/** renderer/dist/ of the checkout or package, from the sources and from the desktop bundle alike. */
export const DEFAULT_STATIC_DIR = join(appRoot(), 'renderer', 'dist');
const MAX_BODY = 1024 * 1024;

/**
 * Browser mode: the renderer served to a browser on 127.0.0.1, the engine reached over a
 * WebSocket (and POST /api/invoke for scripts). Every API, WebSocket and asset request needs the
 * token printed at start; only the app shell is public.
 */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const { engine } = opts;
  const token = opts.token ?? generateToken();
  const staticDir = opts.staticDir ?? DEFAULT_STATIC_DIR;
  let port = 0;

  const server = createServer((req, res) => {
    handleHttp(req, res).catch((e) => sendError(res, toEngineError(e, 'http')));
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY });

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(req, port)) return sendPlain(res, 403, 'Forbidden host');
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const authorized = tokenMatches(token, requestToken(req, url));
    if (url.pathname === '/api/invoke') {
      if (!authorized) return sendPlain(res, 401, 'Missing or wrong token');
      if (req.method !== 'POST') return sendPlain(res, 405, 'Use POST');
      if (!originAllowed(req, port)) return sendPlain(res, 403, 'Cross-origin request refused: only the LabelTune page (or a script sending no Origin) may call the API');
      return invoke(req, res);
    }
    if (url.pathname.startsWith('/asset/')) {
      if (!authorized) return sendPlain(res, 401, 'Missing or wrong token');
      const asset = await engine.ctx.assets.resolve(url.pathname.slice('/asset/'.length), url.searchParams);
      res.writeHead(200, {
        'content-type': asset.contentType,
        'cache-control': `private, max-age=${asset.maxAge ?? 0}`,
        'x-content-type-options': 'nosniff',
      });
      return void res.end(asset.body);
    }
    if (req.method !== 'GET') return sendPlain(res, 405, 'Method not allowed');
    const file = readStatic(staticDir, url.pathname);
    if (file) {
      res.writeHead(200, { 'content-type': file.contentType, ...SECURITY_HEADERS });
      return void res.end(file.body);
    }
    if (url.pathname === '/' || url.pathname === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...SECURITY_HEADERS });
      return void res.end(MISSING_BUILD_PAGE);
    }
    sendPlain(res, 404, 'Not found');
  }

  /** POST /api/invoke for scripts: one request message in, one response message out. */
  async function invoke(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: Partial<RequestMessage>;
    try {
      body = parseRequest(await readBody(req, MAX_BODY));
    } catch (e) {
      if (!(e instanceof BodyError)) throw e;
      return sendJson(res, e.status, { id: 0, ok: false, error: { code: 'validation', message: e.message } });
    }
    try {
      const result = await engine.dispatcher.dispatch(String(body.method), body.args);
      return sendJson(res, 200, { id: body.id ?? 0, ok: true, result: result ?? null });
    } catch (e) {
      return sendError(res, toEngineError(e, String(body.method)));
    }
  }

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (url.pathname !== '/ws' || !hostAllowed(req, port) || !originAllowed(req, port) || !tokenMatches(token, requestToken(req, url))) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(engine, ws));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One browser tab: requests in, responses and engine events out. */
function serveSocket(engine: Engine, ws: WebSocket): void {
  const send = (m: ResponseMessage | EventMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
  };
  const unsubscribe = engine.ctx.events.subscribe((event, payload) => send({ event, payload }));
  ws.on('close', unsubscribe);
  // Without a listener a bad frame from one tab (over maxPayload, invalid UTF-8, a reserved opcode)
  // is an uncaught exception that ends browser mode and any training with it. ws has already sent
  // the matching close code (1009, 1007, 1002) to that socket; the other tabs keep working.
  ws.on('error', (e) => {
    if (process.env.LABELTUNE_QUIET !== '1') console.error(`[server] WebSocket closed after a bad frame: ${e.message}`);
  });
  ws.on('message', async (raw) => {
    let msg: RequestMessage;
    try {
      msg = JSON.parse(raw.toString()) as RequestMessage;
    } catch {
      return send({ id: -1, ok: false, error: { code: 'validation', message: 'Malformed message (not JSON).' } });
    }
    try {
      const result = await engine.dispatcher.dispatch(String(msg.method), msg.args);
      send({ id: msg.id, ok: true, result: result ?? null });
    } catch (e) {
      send({ id: msg.id, ok: false, error: toEngineError(e, String(msg.method)).toJSON() });
    }
  });
}

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

const STATUS_BY_CODE: Record<string, number> = {
  validation: 400,
  'not-found': 404,
  conflict: 409,
  cancelled: 409,
  unsupported: 422,
  internal: 500,
};

function sendError(res: ServerResponse, e: EngineError): void {
  sendJson(res, STATUS_BY_CODE[e.code] ?? 500, { id: 0, ok: false, error: e.toJSON() });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...SECURITY_HEADERS });
  res.end(JSON.stringify(body));
}

function sendPlain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
  res.end(text);
}
