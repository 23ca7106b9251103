// `npm run native:electron` (also run by npm install, as postinstall): put Electron's build of
// better-sqlite3 beside Node's, where engine/db/sqlite-binding.mjs looks for it. It tries the
// prebuilt binary better-sqlite3 publishes on GitHub (prebuild-install; set
// npm_config_better_sqlite3_binary_host to use a mirror), then a compile against Electron's
// headers (node-gyp; npm_config_dist_url for a mirror). Offline both fail: as postinstall it then
// prints one message and lets the install succeed, since the CLI, browser mode and tests need only
// the Node build. Also electron-builder's beforePack hook: `npm run dist` packs this build.
//   node electron/sqlite-for-electron.mjs [--postinstall] [--platform P] [--arch A]
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronBuildPath, FETCH_COMMAND, sqlitePackageDir } from './engine/db/sqlite-binding.mjs';

const require = createRequire(import.meta.url);
const MINUTE = 60_000;

/** The Electron this checkout runs (null in an install without devDependencies). */
export function installedElectron() {
  try {
    return JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

/** Electron's NODE_MODULE_VERSION, from the table prebuild-install itself uses for the download. */
export function electronAbi(version) {
  const fromSqlite = createRequire(join(sqlitePackageDir(), 'package.json'));
  const nodeAbi = createRequire(fromSqlite.resolve('prebuild-install/package.json'))('node-abi');
  return nodeAbi.getAbi(version, 'electron');
}

/** The build's path for one target, and whether it is there. */
export function electronBuild(version, platform = process.platform, arch = process.arch) {
  const file = electronBuildPath({ abi: electronAbi(version), platform, arch });
  return { file, present: existsSync(file) };
}

/** Run a tool in a scratch folder; its output is kept for the one message, not shown. */
function attempt(label, args, cwd, timeoutMin) {
  // npm passes its nodedir (Debian's npm: /usr) to node-gyp, which would then compile against this
  // Node's headers instead of Electron's: a binary for the wrong ABI.
  const { npm_config_nodedir, ...env } = process.env;
  const run = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: timeoutMin * MINUTE, env });
  if (run.status === 0) return null;
  const lines = `${run.stdout ?? ''}\n${run.stderr ?? ''}${run.error ? `\n${run.error.message}` : ''}`.split('\n').map((l) => l.trim());
  const url = lines.find((l) => /http (request )?GET /.test(l))?.replace(/.*GET /, ' (GET ').concat(')') ?? '';
  const offline = lines.some((l) => /ENOTFOUND|ECONN|ETIMEDOUT|EAI_AGAIN|network connectivity/.test(l));
  const reason = offline ? 'network unreachable' : (lines.filter((l) => /err|warn/i.test(l)).at(-1) ?? `exit ${run.status}`);
  return `${label}: ${reason}${url}`;
}

function prebuilt(version, platform, arch, scratch) {
  copyFileSync(join(sqlitePackageDir(), 'package.json'), join(scratch, 'package.json'));
  const bin = createRequire(join(sqlitePackageDir(), 'package.json')).resolve('prebuild-install/bin.js');
  const args = [bin, '--runtime', 'electron', '--target', version, '--platform', platform, '--arch', arch, '--path', scratch, '--verbose'];
  return attempt('download of the prebuilt binary', args, scratch, 5);
}

function compiled(version, arch, scratch) {
  const gyp = process.env.npm_config_node_gyp;
  if (!gyp) return 'compile: node-gyp not found (run this through npm: "npm run native:electron")';
  cpSync(sqlitePackageDir(), scratch, { recursive: true, filter: (src) => !/[\\/](build|lib[\\/]binding)$/.test(src) });
  const distUrl = process.env.npm_config_dist_url || 'https://electronjs.org/headers';
  const args = [gyp, 'rebuild', '--release', `--target=${version}`, `--arch=${arch}`, `--dist-url=${distUrl}`];
  return attempt("compile against Electron's headers", args, scratch, 20);
}

/** A V8-ABI addon exports node_register_module_v<ABI>: the check that a build is the right one. */
export function registersAbi(file, abi) {
  return readFileSync(file).includes(`node_register_module_v${abi}\0`);
}

/** Fetch or compile the build for one target; returns the reasons it could not (empty when done). */
export function makeElectronBuild(version, platform = process.platform, arch = process.arch) {
  const { file } = electronBuild(version, platform, arch);
  const scratch = mkdtempSync(join(tmpdir(), 'labeltune-sqlite-'));
  try {
    const reasons = [prebuilt(version, platform, arch, scratch)];
    // A compile only makes a binary for the machine it runs on.
    if (reasons[0] && platform === process.platform && arch === process.arch) reasons.push(compiled(version, arch, scratch));
    const made = join(scratch, 'build', 'Release', 'better_sqlite3.node');
    if (reasons.at(-1)) return reasons;
    if (!registersAbi(made, electronAbi(version))) return [...reasons.filter(Boolean), `${made} is not built for Electron's ABI ${electronAbi(version)}`];
    mkdirSync(dirname(file), { recursive: true });
    copyFileSync(made, file);
    return [];
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export function notBuiltMessage(version, file, reasons) {
  return [
    `LabelTune: no Electron ${version} build of better-sqlite3 yet (offline?). The CLI, "npm run serve" and "npm test" work as they are;`,
    `  the desktop app needs ${file}.`,
    ...reasons.map((r) => `  - ${r}`),
    `  With network access (or a mirror, see electron/sqlite-for-electron.mjs), run "${FETCH_COMMAND}" once.`,
  ].join('\n');
}

/**
 * Packs for tests only (test/contract/package.test.ts, offline): the missing build is a warning,
 * because the test runs the packed app on a stand-in Electron that opens projects with Node's build.
 */
export const PACK_WITHOUT_ELECTRON_SQLITE = 'LABELTUNE_TEST_PACK_WITHOUT_ELECTRON_SQLITE';

/** electron-builder's beforePack hook: refuse to pack an app that could not open a project. */
export async function beforePack(context) {
  const names = { 0: ['ia32'], 1: ['x64'], 2: ['arm'], 3: ['arm64'], 4: ['x64', 'arm64'] };
  const version = installedElectron();
  for (const arch of names[context.arch] ?? [String(context.arch)]) {
    const { file, present } = electronBuild(version, context.electronPlatformName, arch);
    if (!present && process.env[PACK_WITHOUT_ELECTRON_SQLITE] === '1') {
      console.warn(`LabelTune: test package without better-sqlite3's Electron ${version} build for ${context.electronPlatformName}-${arch}: it cannot open a project in a real Electron.`);
    } else if (!present) {
      throw new Error(
        `better-sqlite3 has no Electron ${version} build for ${context.electronPlatformName}-${arch} (${file}), so the packed app could not open a project. ` +
          `Run "${FETCH_COMMAND} -- --platform ${context.electronPlatformName} --arch ${arch}" with network access, then "npm run dist" again.`,
      );
    }
  }
}

function main(argv) {
  const option = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
  const postinstall = argv.includes('--postinstall');
  const [platform, arch] = [option('--platform', process.platform), option('--arch', process.arch)];
  const version = installedElectron();
  if (!version) return postinstall ? 0 : (console.error('LabelTune: electron is not installed (npm install with devDependencies).'), 1);
  const { file, present } = electronBuild(version, platform, arch);
  if (present) return postinstall ? 0 : (console.log(`LabelTune: Electron ${version} build of better-sqlite3 present: ${file}`), 0);
  const reasons = makeElectronBuild(version, platform, arch);
  if (reasons.length === 0) return console.log(`LabelTune: Electron ${version} build of better-sqlite3 made: ${file}`), 0;
  console.error(notBuiltMessage(version, file, reasons));
  return postinstall ? 0 : 1;
}

function run(argv) {
  try {
    return main(argv);
  } catch (e) {
    // An install must not fail over the desktop app's build (an Electron node-abi does not know yet, say).
    console.error(`LabelTune: could not make the Electron build of better-sqlite3: ${e instanceof Error ? e.message : e}`);
    return argv.includes('--postinstall') ? 0 : 1;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = run(process.argv.slice(2));
