// Which compiled better-sqlite3 this process loads. better-sqlite3 is the one native module of the
// app built against a runtime's ABI (sharp, onnxruntime-node and tfjs-node use N-API, which both
// runtimes share), so one install keeps two builds of it:
//   node_modules/better-sqlite3/build/Release/better_sqlite3.node          Node's (npm install)
//   node_modules/better-sqlite3/lib/binding/electron-v<abi>-<os>-<cpu>/...  Electron's (npm run native:electron)
// The CLI, browser mode and the tests load the first (better-sqlite3's own lookup); Electron's
// processes pass the second as the `nativeBinding` option. Electron's copy sits outside build/ so
// that `npm rebuild better-sqlite3` (node-gyp clean) leaves it alone.
// Plain JavaScript: electron/start.mjs and the install script use it before any TypeScript tooling.
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const BINARY = 'better_sqlite3.node';
/** The command that fetches (or compiles) the Electron build; package.json names it. */
export const FETCH_COMMAND = 'npm run native:electron';

/** better-sqlite3's folder, found the way the app finds the package (next to the bundle, or in app.asar). */
export function sqlitePackageDir() {
  return dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json'));
}

/** Where the build for an Electron ABI lives (prebuild-install's naming: electron-v145-linux-x64). */
export function electronBuildPath({ packageDir = sqlitePackageDir(), abi, platform = process.platform, arch = process.arch }) {
  return join(packageDir, 'lib', 'binding', `electron-v${abi}-${platform}-${arch}`, BINARY);
}

/**
 * The `nativeBinding` option for `new Database(file, options)`: undefined under Node (its own
 * build), the Electron build's path under Electron. Throws, with what to run, when that is missing.
 */
export function sqliteNativeBinding(versions = process.versions, place = {}) {
  if (!versions.electron) return undefined;
  const file = electronBuildPath({ ...place, abi: versions.modules });
  if (!existsSync(file)) throw new Error(missingElectronBuildMessage(versions, file));
  return file;
}

export function missingElectronBuildMessage(versions, file) {
  return [
    `LabelTune: better-sqlite3 has no build for Electron ${versions.electron} (ABI ${versions.modules}), so the desktop app cannot open projects.`,
    `  Expected ${file}.`,
    `  Run "${FETCH_COMMAND}" once with network access: it downloads the prebuilt binary from GitHub`,
    '  (or compiles one against Electron\'s headers), beside the Node build the CLI and tests use.',
    '  Browser mode needs no Electron build: "npm run serve".',
  ].join('\n');
}

/**
 * Null when this runtime can open a database, else what is wrong and what to do: a missing
 * Electron build, or a build for another ABI (the raw NODE_MODULE_VERSION error becomes the file,
 * both ABIs and the fix). The desktop app checks this before it opens a window.
 */
export function sqliteBuildProblem(versions = process.versions, place = {}) {
  let nativeBinding;
  try {
    nativeBinding = sqliteNativeBinding(versions, place);
    new Database(':memory:', { nativeBinding }).close();
    return null;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const abi = /NODE_MODULE_VERSION (\d+)[\s\S]*?NODE_MODULE_VERSION (\d+)/.exec(message);
    if (!abi) return message;
    const built = nativeBinding ?? join(place.packageDir ?? sqlitePackageDir(), 'build', 'Release', BINARY);
    const fix = versions.electron ? `delete it and run "${FETCH_COMMAND}"` : 'run "npm rebuild better-sqlite3"';
    return `LabelTune: ${built} is built for ABI ${abi[1]}, this runtime needs ${abi[2]}: ${fix}.`;
  }
}
