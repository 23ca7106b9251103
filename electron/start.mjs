// `npm start`: launch Electron on the built app (out/ and renderer/dist/, made by `npm run build`).
// The Electron binary is not downloaded by `npm install` (package.json's allowScripts keeps the
// install offline-safe), so the first start fetches it, and says plainly what to do if it cannot.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const electronDir = `${root}node_modules/electron/`;
const DOWNLOAD_TIMEOUT_MS = 10 * 60 * 1000;

function ensureBinary() {
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH || existsSync(`${electronDir}path.txt`)) return true;
  console.error('LabelTune: downloading the Electron binary (first start only)...');
  const result = spawnSync(process.execPath, [`${electronDir}install.js`], {
    cwd: electronDir,
    stdio: 'inherit',
    timeout: DOWNLOAD_TIMEOUT_MS,
  });
  return result.status === 0 && existsSync(`${electronDir}path.txt`);
}

if (!existsSync(`${root}out/main/index.mjs`) || !existsSync(`${root}renderer/dist/index.html`)) {
  console.error('LabelTune: the app is not built yet. Run "npm start" (it builds first) or "npm run build".');
  process.exit(1);
}
if (!ensureBinary()) {
  console.error(
    [
      'LabelTune: the Electron binary could not be downloaded, so the desktop app cannot start.',
      '  - No network access to GitHub? Set ELECTRON_MIRROR to a mirror you can reach (or',
      '    ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron 41), then run "npm start" again.',
      '  - Or use browser mode, which needs no Electron: "npm run serve", then open the printed URL.',
    ].join('\n'),
  );
  process.exit(1);
}

const electronPath = createRequire(import.meta.url)('electron');

// better-sqlite3 is compiled per ABI: Electron loads its own build, kept beside Node's
// (engine/db/sqlite-binding.mjs). Ask Electron itself, so that a missing build is named before a window opens.
const binding = new URL('./engine/db/sqlite-binding.mjs', import.meta.url).href;
const probe = spawnSync(
  electronPath,
  ['-e', `import(${JSON.stringify(binding)}).then((m) => { const p = m.sqliteBuildProblem(); if (p) { console.error(p); process.exit(1); } })`],
  { cwd: root, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, encoding: 'utf8' },
);
if (probe.status !== 0) {
  console.error(probe.stderr.trim() || `LabelTune: Electron exited with ${probe.status ?? probe.signal} while checking better-sqlite3.`);
  process.exit(1);
}
const child = spawn(electronPath, [root, ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
