import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildElectron } from '../build.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
// Node posing as Electron 41 (process.versions.modules is read-only: the ABI stays Node's, for which
// no Electron build exists), as after `npm install` offline.
const CLAIM_ELECTRON = "data:text/javascript,process.versions.electron='41.10.0'";
const ABI = process.versions.modules;

/**
 * The bundled main process on the fake Electron (testing/fake-electron.mjs), in a runtime that
 * says it is Electron: without an Electron build of better-sqlite3 it must stop before the window,
 * with the message that names the build and the command, never a NODE_MODULE_VERSION error.
 */
describe('the bundled app without an Electron build of better-sqlite3', () => {
  let scratch: string;
  let run: SpawnSyncReturns<string>;

  beforeAll(async () => {
    mkdirSync(join(root, '.cache'), { recursive: true });
    scratch = mkdtempSync(join(root, '.cache/bundle-sqlite-'));
    await buildElectron(join(scratch, 'out'));
    run = spawnSync(
      process.execPath,
      ['--import', CLAIM_ELECTRON, '--import', join(root, 'electron/main/testing/register-fake-electron.mjs'), join(scratch, 'out/main/index.mjs')],
      {
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, LABELTUNE_HOME: join(scratch, 'home'), FAKE_APP_PATH: join(scratch, 'app'), FAKE_PROJECT_DIR: join(scratch, 'project') },
      },
    );
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('stops at start-up with the error dialog (the fake exits 3 from showErrorBox), opening no window', () => {
    expect(run.status).toBe(3);
    expect(run.stdout).toBe('');
    expect(existsSync(join(scratch, 'project'))).toBe(false);
  });

  it('says which build is missing and how to get it', () => {
    const expected = join(root, `node_modules/better-sqlite3/lib/binding/electron-v${ABI}-linux-x64/better_sqlite3.node`);
    expect(run.stderr).toContain(`LabelTune could not start: LabelTune: better-sqlite3 has no build for Electron 41.10.0 (ABI ${ABI})`);
    expect(run.stderr).toContain(`Expected ${process.platform === 'linux' && process.arch === 'x64' ? expected : `electron-v${ABI}-`}`);
    expect(run.stderr).toContain('Run "npm run native:electron" once with network access');
    expect(run.stderr).not.toMatch(/NODE_MODULE_VERSION|was compiled against/);
  });
});
