// Bundles the Electron main process and the preload script with esbuild.
//   out/main/index.mjs        ESM, Node platform; native and wasm packages stay external (they are
//                             loaded from node_modules, unpacked from the asar by electron-builder)
//   out/main/migrations/*.sql the schema: db/migrations.ts finds it at new URL('./migrations/', import.meta.url)
//   out/preload/index.cjs     CommonJS, because sandboxed preloads cannot be ES modules
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const at = (p) => `${root}${p}`;

/** Packages with native addons, wasm files or runtime file lookups: never inlined into the bundle. */
export const EXTERNALS = [
  'electron',
  'better-sqlite3',
  'sharp',
  '@img/*',
  '@tensorflow/*',
  'onnxruntime-node',
  '@cornerstonejs/*',
  'bindings',
  'node-gyp-build',
  'fsevents',
];

const common = { bundle: true, platform: 'node', target: 'node22', sourcemap: true, logLevel: 'warning' };

/** `outDir` is out/ for the app; the bundle smoke test builds into a scratch folder instead. */
export async function buildElectron(outDir = at('out')) {
  rmSync(outDir, { recursive: true, force: true });
  await build({
    ...common,
    entryPoints: [at('electron/main/index.ts')],
    outfile: `${outDir}/main/index.mjs`,
    format: 'esm',
    external: EXTERNALS,
    // Bundled CommonJS dependencies call require(); give the ES module one.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
  // Import worker threads (engine/datasets/import/prepare-pool.ts) load this file from next to the main bundle.
  await build({
    ...common,
    entryPoints: [at('electron/engine/datasets/import/prepare-worker-main.ts')],
    outfile: `${outDir}/main/prepare-worker.mjs`,
    format: 'esm',
    external: EXTERNALS,
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
  mkdirSync(`${outDir}/main/migrations`, { recursive: true });
  cpSync(at('electron/engine/db/migrations'), `${outDir}/main/migrations`, { recursive: true });
  await build({
    ...common,
    entryPoints: [at('electron/preload/index.ts')],
    outfile: `${outDir}/preload/index.cjs`,
    format: 'cjs',
    external: ['electron'],
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildElectron();
  console.log('Built out/main/index.mjs, out/main/migrations/ and out/preload/index.cjs');
}
