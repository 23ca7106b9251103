// Bundles the Electron main process, every process it starts and the preload script with esbuild.
//   out/main/index.mjs          the Electron main process: window, menus, dialogs, protocol, relaying
//   out/main/engine.mjs         the engine's utility process (main/index.ts forks it): db, import, jobs
//   out/main/model-host.mjs     the model host, the process that runs TensorFlow (engine/host/host-process.ts forks it)
//   out/main/prepare-worker.mjs import worker threads (engine/datasets/import/prepare-pool.ts)
//   out/main/migrations/*.sql   the schema: db/migrations.ts finds it at new URL('./migrations/', import.meta.url)
//   out/preload/index.cjs       CommonJS, because sandboxed preloads cannot be ES modules
// The out/main/*.mjs files are ESM for Node; native and wasm packages stay external (loaded from
// node_modules, unpacked from the asar by electron-builder). engine/app-files.ts finds the process
// entries next to the bundle, and anything else from the app's root.
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const at = (p) => `${root}${p}`;

/**
 * Packages loaded from node_modules at run time: those with native addons, wasm files or runtime file
 * lookups, never inlined into the bundle, and jpeg-lossless-decoder-js, which the DICOM codecs load
 * with createRequire (esbuild cannot follow that). The package holds these and their dependencies
 * (test/contract/package.test.ts).
 */
export const EXTERNALS = [
  'electron',
  'better-sqlite3',
  'sharp',
  '@img/*',
  '@tensorflow/*',
  'onnxruntime-node',
  'webgpu',
  '@cornerstonejs/*',
  'jpeg-lossless-decoder-js',
  'bindings',
  'node-gyp-build',
  'fsevents',
];

/**
 * Every Node process and thread of the desktop app: out/main/<name> from <source>. Main starts the
 * engine, and the engine the last two, through engine/app-files.ts processEntry(name, tsx shim),
 * which names the same file.
 */
export const NODE_ENTRIES = {
  'index.mjs': 'electron/main/index.ts',
  'engine.mjs': 'electron/engine/process/engine-main.ts',
  'model-host.mjs': 'electron/model-host/host-main.ts',
  'prepare-worker.mjs': 'electron/engine/datasets/import/prepare-worker-main.ts',
};

const common = { bundle: true, platform: 'node', target: 'node22', sourcemap: true, logLevel: 'warning' };

/** `outDir` is out/ for the app; the bundle smoke test builds into a scratch folder instead. */
export async function buildElectron(outDir = at('out')) {
  rmSync(outDir, { recursive: true, force: true });
  for (const [name, source] of Object.entries(NODE_ENTRIES)) {
    await build({
      ...common,
      entryPoints: [at(source)],
      outfile: `${outDir}/main/${name}`,
      format: 'esm',
      external: EXTERNALS,
      // Bundled CommonJS dependencies call require(); give the ES module one.
      banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    });
  }
  mkdirSync(`${outDir}/main/migrations`, { recursive: true });
  cpSync(at('electron/engine/db/migrations'), `${outDir}/main/migrations`, { recursive: true });
  // `labeltune job export` copies train.py and labeltune_job/ into each job folder (engine/scale-out/script.ts finds them here).
  mkdirSync(`${outDir}/main/scale-out`, { recursive: true });
  cpSync(at('electron/engine/scale-out/train.py'), `${outDir}/main/scale-out/train.py`);
  cpSync(at('electron/engine/scale-out/labeltune_job'), `${outDir}/main/scale-out/labeltune_job`, { recursive: true, filter: (src) => !src.includes('__pycache__') });
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
  console.log(`Built ${Object.keys(NODE_ENTRIES).map((n) => `out/main/${n}`).join(', ')}, out/main/migrations/ and out/preload/index.cjs`);
}
