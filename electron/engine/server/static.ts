import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export interface StaticFile {
  contentType: string;
  body: Buffer;
}

/** Files of the built renderer; anything outside `root` is unreachable. */
export function readStatic(root: string, urlPath: string): StaticFile | null {
  const rel = urlPath === '/' ? 'index.html' : decodeURIComponent(urlPath).replace(/^\/+/, '');
  const file = normalize(join(root, rel));
  if (!file.startsWith(root.endsWith(sep) ? root : root + sep)) return null;
  if (!existsSync(file) || !statSync(file).isFile()) return null;
  return { contentType: TYPES[extname(file)] ?? 'application/octet-stream', body: readFileSync(file) };
}

export const MISSING_BUILD_PAGE = `<!doctype html><meta charset="utf-8"><title>LabelTune</title>
<body style="font-family:sans-serif;background:#111;color:#ddd;padding:2em">
<h1>LabelTune</h1><p>The user interface has not been built yet. Run <code>npm run build:renderer</code>
(or <code>npm run serve</code>, which builds it), then reload this page.</p></body>`;
