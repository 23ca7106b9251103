// Module hooks of register-bundle-only.mjs.
import { appendFileSync } from 'node:fs';

let log;
export function initialize(data) {
  log = data?.log;
}

export async function resolve(specifier, context, next) {
  if (specifier === 'tsx' || specifier.startsWith('tsx/')) throw new Error(`the bundle tried to load ${specifier} (from ${context.parentURL})`);
  const resolved = await next(specifier, context);
  const { url } = resolved;
  if (/\.[cm]?tsx?$/.test(url)) throw new Error(`the bundle tried to load the source file ${url} (from ${context.parentURL})`);
  if (log && url.startsWith('file:') && !url.includes('/node_modules/')) appendFileSync(log, `${process.pid} ${url}\n`);
  return resolved;
}
