import type { Protocol } from 'electron';
import { EngineError } from '../../shared/contract/errors.ts';
import type { Engine } from '../engine/engine.ts';
import { toEngineError } from '../engine/dispatcher.ts';
import { readStatic } from '../engine/server/static.ts';
import { CONTENT_SECURITY_POLICY } from '../engine/server/csp.ts';
import { APP_SCHEME } from './window-options.ts';

/** Must run before `app.ready`: a standard, secure scheme gets an origin, so 'self' in the CSP means it. */
export const PRIVILEGED_SCHEME = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true },
} as const;

const STATUS_BY_CODE: Record<string, number> = { 'not-found': 404, validation: 400, unsupported: 422 };

/**
 * `labeltune://app/<file>` serves the built renderer (nothing outside renderer/dist);
 * `labeltune://asset/<path>` is answered by the engine's asset registry, which only resolves ids
 * the open project knows, exactly like `/asset/` in browser mode.
 */
export function handleAppProtocol(protocol: Protocol, engine: Engine, rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    try {
      if (url.host === 'app') return appPage(rendererDir, url.pathname);
      if (url.host === 'asset') return await asset(engine, url);
      return text(404, `Nothing at ${request.url}`);
    } catch (e) {
      const err = e instanceof EngineError ? e : toEngineError(e, 'asset');
      return text(STATUS_BY_CODE[err.code] ?? 500, err.message);
    }
  });
}

function appPage(rendererDir: string, pathname: string): Response {
  const file = readStatic(rendererDir, pathname);
  if (!file) return text(404, `The app file ${pathname} is missing; rebuild with "npm run build".`);
  return new Response(new Uint8Array(file.body), {
    headers: {
      'content-type': file.contentType,
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
    },
  });
}

async function asset(engine: Engine, url: URL): Promise<Response> {
  const found = await engine.ctx.assets.resolve(decodeURIComponent(url.pathname), url.searchParams);
  return new Response(new Uint8Array(found.body), {
    headers: {
      'content-type': found.contentType,
      'cache-control': `private, max-age=${found.maxAge ?? 0}`,
      'x-content-type-options': 'nosniff',
    },
  });
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}
