import type { Protocol } from 'electron';
import { EngineError } from '../../shared/contract/errors.ts';
import type { AssetReply } from '../../shared/contract/engine-process.ts';
import { readStatic } from '../engine/server/static.ts';
import { CONTENT_SECURITY_POLICY } from '../engine/server/csp.ts';
import { APP_SCHEME } from './window-options.ts';

/** Must run before `app.ready`: a standard, secure scheme gets an origin, so 'self' in the CSP means it. */
export const PRIVILEGED_SCHEME = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true },
} as const;

const STATUS_BY_CODE: Record<string, number> = { 'not-found': 404, validation: 400, unsupported: 422 };

/** Resolves `labeltune://asset/<path>?<query>` in the engine process (EngineRelay.asset). */
export type AssetSource = (path: string, query: string) => Promise<AssetReply>;

/**
 * `labeltune://app/<file>` serves the built renderer (nothing outside renderer/dist);
 * `labeltune://asset/<path>` is answered by the engine's asset registry, which only resolves ids
 * the open project knows, exactly like `/asset/` in browser mode.
 */
export function handleAppProtocol(protocol: Protocol, assets: AssetSource, rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    try {
      if (url.host === 'app') return appPage(rendererDir, url.pathname);
      if (url.host === 'asset') return await asset(assets, url);
      return text(404, `Nothing at ${request.url}`);
    } catch (e) {
      if (e instanceof EngineError) return text(STATUS_BY_CODE[e.code] ?? 500, e.message);
      return text(500, `${request.url} failed: ${e instanceof Error ? e.message : String(e)}`);
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

async function asset(assets: AssetSource, url: URL): Promise<Response> {
  const found = await assets(decodeURIComponent(url.pathname), url.searchParams.toString());
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
