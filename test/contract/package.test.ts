import { spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXTERNALS, NODE_ENTRIES } from '../../electron/build.mjs';
import type { JobState } from '../../shared/domain/job.ts';
import type { ExportInfo } from '../../shared/domain/export.ts';
import type { RunDetail } from '../../shared/domain/run.ts';
import {
  type PackedFile,
  asarFiles,
  binaryKind,
  dependencyClosure,
  extractAsar,
  isExternal,
  packageNames,
  readFuses,
  writeStandInElectron,
} from './package-files.ts';
import { PACK_WITHOUT_ELECTRON_SQLITE } from '../../electron/sqlite-for-electron.mjs';
import { processEntries, urlsRelativeToModule } from './bundle-paths.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(text: string): unknown };
const builderConfig = yaml.load(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as { electronFuses: Record<string, boolean>; linux: { executableName: string } };
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  main: string;
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
};
const testing = join(root, 'electron/main/testing');
const PRETRAINED = join(root, '../shared/fixtures/pretrained/resnet18-fmnist0-4/model.safetensors');

/** What testing/fake-electron.mjs runJobs reports: each step's result, up to the first that failed (`error`). */
interface PackageJobs {
  imported: JobState;
  trained: JobState;
  run: RunDetail;
  evaluated: JobState;
  exported: JobState;
  error?: string;
}

/**
 * What the desktop app's resources/ (app.asar and app.asar.unpacked/) may weigh on Linux x64:
 * measured 82.0 MB (2026-12; onnxruntime-node 46 MB and libvips 19 MB of it), plus a margin for
 * patch releases. The Electron runtime beside it is not counted.
 */
const SIZE_CEILING_MB = 95;

/** Build and test tools: none of them runs in the app. */
const DEV_TOOLS = [
  'electron', 'electron-builder', 'app-builder-lib', 'vite', 'vitest', '@vitest/', 'playwright', 'playwright-core', '@playwright/',
  'svelte', 'svelte-check', '@sveltejs/', 'typescript', 'esbuild', '@esbuild/', 'rollup', '@rollup/', 'tsx', 'jsdom', '@types/',
];

/**
 * The package `npm run dist` makes, for Linux x64, as a folder (`electron-builder --linux dir`).
 * Electron's binary cannot be downloaded here, so electron-builder copies a stand-in distribution
 * (`electronDist`); native modules are packed as npm installed them (`npmRebuild` off: rebuilding
 * them for Electron's ABI needs Electron's headers from the network). Everything else is the
 * project's own configuration, and nothing is fetched. The package is built outside the checkout,
 * so that what runs from it cannot fall back on the checkout's node_modules.
 */
describe('the Linux package (electron-builder --linux dir)', () => {
  let scratch: string;
  let appOut: string;
  let files: Map<string, PackedFile>;
  let app: string;
  let jobs: PackageJobs;
  let loaded: string[];
  /** Why the packaged app did not run to the end of the job path, if it did not. */
  let failure: string | undefined;
  /** Packages the bundles load from node_modules: package.json's dependencies that build.mjs keeps external, when installed. */
  let runtimeRoots: string[];

  beforeAll(() => {
    const build = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8', timeout: 180_000 });
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
    scratch = realpathSync(mkdtempSync(join(tmpdir(), 'labeltune-package-test-')));
    writeStandInElectron(join(scratch, 'electron-dist'));
    const builder = spawnSync(
      process.execPath,
      [
        join(root, 'node_modules/electron-builder/cli.js'), '--linux', 'dir', '--x64', '--config', 'electron-builder.yml',
        `-c.electronDist=${join(scratch, 'electron-dist')}`, '-c.npmRebuild=false', `-c.directories.output=${join(scratch, 'dist')}`,
      ],
      // Offline the Electron build of better-sqlite3 cannot be fetched; the stand-in Electron runs the package on Node's build.
      { cwd: root, encoding: 'utf8', timeout: 240_000, env: { ...process.env, [PACK_WITHOUT_ELECTRON_SQLITE]: '1' } },
    );
    if (builder.status !== 0) throw new Error(`electron-builder exited with ${builder.status}:\n${builder.stdout}\n${builder.stderr}`);
    expect(builder.stdout + builder.stderr).toContain('test package without better-sqlite3');
    appOut = join(scratch, 'dist/linux-unpacked');
    files = asarFiles(join(appOut, 'resources/app.asar'));
    app = join(scratch, 'app');
    extractAsar(join(appOut, 'resources/app.asar'), app);
    runtimeRoots = Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })
      .filter((name) => isExternal(name, EXTERNALS))
      .filter((name) => dependencyClosure(root, [name]).size > 0);
    const ran = runJobsFromPackage(scratch, app);
    if ('failure' in ran) failure = ran.failure;
    else ({ jobs, loaded } = ran);
  }, 400_000);
  afterAll(() => scratch && rmSync(scratch, { recursive: true, force: true }));

  it('is the Electron folder with its executable renamed and the fuses flipped as electron-builder.yml says', () => {
    expect(readdirSync(appOut).sort()).toEqual(['LICENSE.electron.txt', builderConfig.linux.executableName, 'resources', 'version']);
    const flipped = readFuses(join(appOut, builderConfig.linux.executableName));
    const wanted = Object.fromEntries(Object.entries(builderConfig.electronFuses).map(([key, on]) => [key[0].toUpperCase() + key.slice(1), on]));
    expect(Object.keys(wanted).length).toBeGreaterThanOrEqual(6);
    for (const [fuse, on] of Object.entries(wanted)) expect([fuse, flipped[fuse]]).toEqual([fuse, on]);
  });

  it('holds every process entry the bundle locates, the preload, the migrations and the page', () => {
    expect(files.has('package.json')).toBe(true);
    expect(files.has(manifest.main)).toBe(true);
    for (const name of Object.keys(NODE_ENTRIES)) expect(files.has(`out/main/${name}`), `out/main/${name}`).toBe(true);
    // What the packaged bundles find next to themselves (test/contract/bundle-paths.ts): every
    // new URL('<literal>', import.meta.url), and processEntry's computed `./${bundled}` for each name.
    const bundles = Object.keys(NODE_ENTRIES).map((name) => readFileSync(join(app, 'out/main', name), 'utf8'));
    const { literal, other } = urlsRelativeToModule(bundles);
    expect(other, 'a computed path this test cannot follow').toEqual(['`./${bundled}`']);
    const entries = bundles.flatMap(processEntries).map((e) => `out/main/${e.bundled}`);
    expect(entries).toEqual(expect.arrayContaining(['out/main/engine.mjs', 'out/main/model-host.mjs', 'out/main/prepare-worker.mjs']));
    const packed = [...files.keys()];
    for (const rel of literal) {
      const path = relative(app, fileURLToPath(new URL(rel, pathToFileURL(join(app, 'out/main/index.mjs')))));
      expect(packed.some((p) => p === path || p.startsWith(`${path}/`)), `${rel} -> ${path}`).toBe(true);
    }
    const migrations = readdirSync(join(root, 'electron/engine/db/migrations')).map((f) => `out/main/migrations/${f}`);
    for (const path of [...entries, 'out/preload/index.cjs', ...migrations, 'renderer/dist/index.html']) expect(files.has(path), path).toBe(true);
  });

  it('holds the build outputs and nothing else of the checkout: no sources, tests or source maps', () => {
    const own = [...files.keys()].filter((p) => !p.startsWith('node_modules/'));
    const built = ['out', 'renderer/dist'].flatMap((dir) => listFiles(join(root, dir)).map((f) => relative(root, f))).filter((p) => !p.endsWith('.map'));
    expect(own.sort()).toEqual(['package.json', ...built].sort());
  });

  it('holds no TypeScript, source map, test or docs file anywhere, node_modules included', () => {
    const paths = [...files.keys()];
    expect(paths.filter((p) => /\.([cm]?tsx?|map|svelte)$/.test(p))).toEqual([]);
    expect(paths.filter((p) => /(^|\/)(test|tests|__tests__|docs|examples?)\//.test(p))).toEqual([]);
    expect(paths.filter((p) => /\.(test|spec)\.[cm]?js$/.test(p))).toEqual([]);
  });

  it('holds the packages the bundles load and their dependencies, and no other: no dev tools, nothing the bundles inline', async () => {
    expect(runtimeRoots).toEqual(expect.arrayContaining(['better-sqlite3', 'sharp', '@tensorflow/tfjs', 'onnxruntime-node']));
    const packed = packageNames(files.keys());
    const symlinked = lstatSync(join(root, 'node_modules')).isSymbolicLink();
    const hint = symlinked ? ' (node_modules is a symlink: electron-builder\'s `npm list` cannot see through it; use a real folder)' : '';
    expect(runtimeRoots.filter((name) => !packed.has(name)), `runtime packages missing from the package${hint}`).toEqual([]);
    // Every bare specifier the bundles load (import, require, require.resolve) is one of those packages.
    const bundles = Object.keys(NODE_ENTRIES).map((name) => readFileSync(join(app, 'out/main', name), 'utf8'));
    const specifiers = new Set(bundles.flatMap((src) => [...src.matchAll(/(?:\bfrom\s*|\bimport\(\s*|\brequire\d*(?:\.resolve)?\(\s*)["']([^"'.][^"']*)["']/g)].map((m) => m[1])));
    const loadedPackages = [...specifiers].filter((s) => !isBuiltin(s) && s !== 'electron').map((s) => s.split('/').slice(0, s.startsWith('@') ? 2 : 1).join('/'));
    expect(loadedPackages.filter((name) => !runtimeRoots.includes(name))).toEqual([]);
    // Paths into those packages that the bundles name (the DICOM codecs' wasm decoders, package.json
    // files read for versions) resolve inside the package, and the codecs' wasm modules load from it.
    const requireFromApp = createRequire(join(app, 'out/main/index.mjs'));
    const named = [...new Set(bundles.flatMap((src) => [...src.matchAll(/["']((?:@[\w.-]+\/)?[\w.-]+\/[\w./-]+)["']/g)].map((m) => m[1])))]
      .filter((s) => runtimeRoots.some((name) => s.startsWith(`${name}/`)));
    expect(named).toEqual(expect.arrayContaining(['@cornerstonejs/codec-charls/decodewasmjs', '@tensorflow/tfjs-backend-wasm/package.json']));
    for (const specifier of named) expect(requireFromApp.resolve(specifier).startsWith(`${app}/node_modules/`), specifier).toBe(true);
    for (const specifier of named.filter((s) => s.endsWith('/decodewasmjs'))) {
      const factory = requireFromApp(specifier) as (opts: object) => Promise<Record<string, unknown>>;
      await expect(factory({ print: () => {}, printErr: () => {} }), specifier).resolves.toBeTruthy();
    }
    const allowed = dependencyClosure(root, runtimeRoots);
    expect([...packed].filter((name) => !allowed.has(name)), 'packages the app does not load').toEqual([]);
    expect([...packed].filter((name) => DEV_TOOLS.some((tool) => (tool.endsWith('/') ? name.startsWith(tool) : name === tool)))).toEqual([]);
  });

  it('holds native binaries for Linux x64 only, each unpacked from the archive', () => {
    const kinds = new Map([...files.keys()].map((p) => [p, binaryKind(join(app, p))]));
    const native = [...kinds].filter(([, kind]) => kind !== 'not-binary' && kind !== 'wasm');
    expect(native.map(([p]) => p)).toEqual(expect.arrayContaining([
      expect.stringMatching(/better_sqlite3\.node$/), expect.stringMatching(/sharp-linux-x64.*\.node$/), expect.stringMatching(/linux\/x64\/onnxruntime_binding\.node$/),
    ]));
    expect(native.filter(([, kind]) => kind !== 'elf-x64')).toEqual([]);
    expect(native.filter(([p]) => !files.get(p)!.unpacked).map(([p]) => p)).toEqual([]);
    // Loaded by path: tfjs' wasm backend and the DICOM codecs open their .wasm files directly.
    const wasm = [...kinds].filter(([, kind]) => kind === 'wasm').map(([p]) => p);
    expect(wasm.filter((p) => p.startsWith('node_modules/@tensorflow/tfjs-backend-wasm/dist/')).length).toBe(3);
    expect(wasm.filter((p) => !files.get(p)!.unpacked)).toEqual([]);
    expect([...files.keys()].filter((p) => /(^|[/-])(darwin|win32|mac|arm64|ia32)([/-]|$)/.test(p))).toEqual([]);
  });

  it('runs the desktop job path from the package alone: import, train in the model host, evaluate, export to ONNX', () => {
    expect(failure).toBeUndefined();
    expect(jobs.error).toBeUndefined();
    expect(jobs.imported).toMatchObject({ status: 'completed', error: null });
    expect(jobs.trained).toMatchObject({ kind: 'train', status: 'completed', error: null });
    expect(jobs.run).toMatchObject({ status: 'completed', backbone: 'resnet18', backend: 'wasm', error: null });
    expect(jobs.evaluated).toMatchObject({ kind: 'eval', status: 'completed', error: null });
    expect(jobs.exported).toMatchObject({ kind: 'export', status: 'completed', error: null });
    // onnxruntime-node ran from the package: the export's parity check loads it.
    expect((jobs.exported.result as ExportInfo).parity).toMatchObject({ ok: true, runtime: expect.stringMatching(/^onnxruntime-node/) });
    expect(loaded).toEqual(expect.arrayContaining([join(app, 'out/main/index.mjs'), join(app, 'out/main/engine.mjs'), join(app, 'out/main/model-host.mjs')]));
    expect(loaded.filter((f) => !f.startsWith(`${app}/`) && !f.startsWith(`${testing}/`))).toEqual([]);
  });

  it(`weighs under ${SIZE_CEILING_MB} MB (resources/, without the Electron runtime or optional native TensorFlow)`, () => {
    const sizes = packageSizes(files);
    // tfjs-node(-gpu) are in the package only where npm could install them (libtensorflow alone is
    // hundreds of MB): the ceiling is for what every install ships.
    const optional = Object.keys(manifest.optionalDependencies ?? {}).reduce((sum, name) => sum + (sizes.get(name) ?? 0), 0);
    const bytes = listFiles(join(appOut, 'resources')).reduce((sum, f) => sum + lstatSync(f).size, 0) - optional;
    const biggest = [...sizes].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([name, size]) => `${name} ${(size / 1e6).toFixed(1)} MB`);
    expect(bytes / 1e6, `resources/ holds ${(bytes / 1e6).toFixed(1)} MB; largest packages: ${biggest.join(', ')}`).toBeLessThan(SIZE_CEILING_MB);
  });
});

/**
 * The bundle job path of test/contract/bundle.test.ts (testing/fake-electron.mjs runJobs), run from
 * the extracted package: one epoch of resnet18 from the pretrained fixture on wasm, exported to ONNX.
 */
function runJobsFromPackage(scratch: string, app: string): { jobs: PackageJobs; loaded: string[] } | { failure: string } {
  const images = join(scratch, 'images');
  const make = spawnSync(process.execPath, ['--input-type=module', '-e', WRITE_IMAGES, images], { cwd: root, encoding: 'utf8' });
  if (make.status !== 0) throw new Error(`writing test images failed: ${make.stderr}`);
  const log = join(scratch, 'loaded.log');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LABELTUNE_QUIET: '1',
    LABELTUNE_HOME: join(scratch, 'home'),
    BUNDLE_LOAD_LOG: log,
    FAKE_APP_PATH: app,
    FAKE_PROJECT_DIR: join(scratch, 'project'),
    FAKE_IMPORT_DIR: images,
    FAKE_RUN: JSON.stringify({ backbone: 'resnet18', weights: PRETRAINED, imageSize: 32, backend: 'wasm', seed: 3, epochs: 1 }),
    FAKE_EXPORT: 'onnx',
  };
  delete env.NODE_OPTIONS;
  const run = spawnSync(
    process.execPath,
    ['--import', join(testing, 'register-bundle-only.mjs'), '--import', join(testing, 'register-fake-electron.mjs'), join(app, 'out/main/index.mjs')],
    { cwd: scratch, encoding: 'utf8', timeout: 150_000, env },
  );
  if (run.status !== 0) return { failure: `the packaged app exited with ${run.status ?? run.signal}: ${run.stderr.slice(-4000)}` };
  const loaded = readFileSync(log, 'utf8').trim().split('\n').map((line) => fileURLToPath(line.split(' ')[1]));
  return { jobs: JSON.parse(run.stdout.trim().split('\n').at(-1)!).jobs, loaded };
}

/** Two classes of small PNGs, written with the checkout's sharp (the package's is under test). */
const WRITE_IMAGES = `
import sharp from 'sharp';
import { mkdirSync } from 'node:fs';
const dir = process.argv[1];
for (const [c, name] of ['red', 'green'].entries()) {
  mkdirSync(dir + '/' + name, { recursive: true });
  for (let k = 0; k < 8; k++) {
    const px = Buffer.alloc(16 * 16 * 3, 60);
    for (let p = 0; p < 256; p++) px[p * 3 + c] = 150 + ((p * 7 + k * 13) % 60);
    await sharp(px, { raw: { width: 16, height: 16, channels: 3 } }).png().toFile(dir + '/' + name + '/' + k + '.png');
  }
}`;

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

function packageSizes(files: Map<string, PackedFile>): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const [path, { size }] of files) {
    const name = [...packageNames([path])].at(-1) ?? '(app)';
    sizes.set(name, (sizes.get(name) ?? 0) + size);
  }
  return sizes;
}
