import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Files the engine finds at run time. This module runs from two places: its TypeScript source
 * (CLI, tests, browser mode, through tsx) and inlined into the desktop bundle, out/main/*.mjs
 * (electron/build.mjs). A path relative to `import.meta.url` lands in different folders from each,
 * so everything that is not next to the bundle is found from the app's root instead.
 */
const HERE = fileURLToPath(import.meta.url);

/** True when this code runs from a bundle made by electron/build.mjs, not from its sources. */
export const FROM_BUNDLE = !/\.[cm]?ts$/.test(HERE);

let root: string | undefined;

/**
 * The app's root folder: the checkout, or the packaged app (resources/app.asar): the nearest folder
 * above this module whose package.json is LabelTune's.
 */
export function appRoot(): string {
  if (root) return root;
  for (let dir = dirname(HERE); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'labeltune') return (root = dir);
    if (dirname(dir) === dir) throw new Error(`LabelTune's package.json is not in any folder above ${HERE}.`);
  }
}

/** The app's package.json: its version goes into model cards. */
export function appPackage(): { name: string; version: string } {
  return JSON.parse(readFileSync(join(appRoot(), 'package.json'), 'utf8')) as { name: string; version: string };
}

/**
 * The file a worker thread or child process starts from. electron/build.mjs builds every such entry
 * into out/main/, next to the main bundle, as `bundled`; from the sources it is the .mjs shim that
 * registers tsx and loads the TypeScript, `source` (relative to the app's root). One rule for every
 * entry, so that a bundle never starts a source file and the sources never need a build.
 */
export function processEntry(bundled: string, source: string): URL {
  return FROM_BUNDLE ? new URL(`./${bundled}`, import.meta.url) : pathToFileURL(join(appRoot(), source));
}
