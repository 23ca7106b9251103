import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { electronBuildPath, sqliteBuildProblem, sqliteNativeBinding, sqlitePackageDir } from './sqlite-binding.mjs';

const NODE = { modules: process.versions.modules };
const ELECTRON_41 = { electron: '41.10.0', modules: '145' };
const nodeBuild = join(sqlitePackageDir(), 'build', 'Release', 'better_sqlite3.node');

/** A stand-in better-sqlite3 folder per test, so that nothing is written into node_modules. */
let packageDir: string;
beforeEach(() => void (packageDir = mkdtempSync(join(tmpdir(), 'sqlite-binding-'))));
afterEach(() => rmSync(packageDir, { recursive: true, force: true }));

function placeBuild(abi: string, from = nodeBuild): string {
  const file = electronBuildPath({ packageDir, abi, platform: 'linux', arch: 'x64' });
  mkdirSync(dirname(file), { recursive: true });
  copyFileSync(from, file);
  return file;
}

describe('the better-sqlite3 build a runtime loads', () => {
  it('names the Electron build by ABI, platform and CPU, outside build/ (which npm rebuild wipes)', () => {
    expect(electronBuildPath({ packageDir: '/p', abi: '145', platform: 'darwin', arch: 'arm64' })).toBe(
      '/p/lib/binding/electron-v145-darwin-arm64/better_sqlite3.node',
    );
  });

  it("leaves plain Node on better-sqlite3's own build, even when an Electron build is present", () => {
    placeBuild('145');
    expect(sqliteNativeBinding(NODE, { packageDir, platform: 'linux', arch: 'x64' })).toBeUndefined();
    expect(sqliteBuildProblem(NODE)).toBeNull();
  });

  it('gives Electron the build for its own ABI, and a database really opens through that file', () => {
    placeBuild('145');
    // A copy of the Node build posing as ABI <this Node's>: loading it proves the path is the one used.
    const file = placeBuild(process.versions.modules);
    const versions = { electron: '41.10.0', modules: process.versions.modules };
    const place = { packageDir, platform: 'linux', arch: 'x64' };
    expect(sqliteNativeBinding(versions, place)).toBe(file);
    const db = new Database(':memory:', { nativeBinding: sqliteNativeBinding(versions, place) });
    expect(db.prepare('SELECT 6 * 7 AS x').get()).toEqual({ x: 42 });
    db.close();
    if (process.platform === 'linux') expect(readFileSync('/proc/self/maps', 'utf8')).toContain(file);
    expect(sqliteBuildProblem(versions, place)).toBeNull();
  });

  it('says which build is missing and the one command that fetches it, instead of a NODE_MODULE_VERSION error', () => {
    const place = { packageDir, platform: 'linux', arch: 'x64' };
    const expected = join(packageDir, 'lib/binding/electron-v145-linux-x64/better_sqlite3.node');
    expect(() => sqliteNativeBinding(ELECTRON_41, place)).toThrow(expected);
    const problem = sqliteBuildProblem(ELECTRON_41, place)!;
    expect(problem.split('\n')[0]).toBe(
      'LabelTune: better-sqlite3 has no build for Electron 41.10.0 (ABI 145), so the desktop app cannot open projects.',
    );
    expect(problem).toContain(`Expected ${expected}.`);
    expect(problem).toContain('Run "npm run native:electron" once with network access');
    expect(problem).not.toMatch(/NODE_MODULE_VERSION/);
  });

  it('reports a build that is there but does not load, naming the file', () => {
    // Not an addon at all: dlopen refuses it, as it would a truncated download.
    const file = placeBuild('145', join(sqlitePackageDir(), 'package.json'));
    const problem = sqliteBuildProblem(ELECTRON_41, { packageDir, platform: 'linux', arch: 'x64' });
    expect(problem).toContain(file);
    expect(problem).not.toContain('has no build');
  });
});
