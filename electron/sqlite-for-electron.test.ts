import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACK_WITHOUT_ELECTRON_SQLITE, beforePack, electronAbi, electronBuild, installedElectron, notBuiltMessage, registersAbi } from './sqlite-for-electron.mjs';
import { sqlitePackageDir } from './engine/db/sqlite-binding.mjs';

const script = fileURLToPath(new URL('./sqlite-for-electron.mjs', import.meta.url));
const nodeBuild = join(sqlitePackageDir(), 'build/Release/better_sqlite3.node');
// A platform no one builds for here, so no compile is tried and no real build can be in the way.
const ELSEWHERE = ['--platform', 'freebsd', '--arch', 'x64'];

let scratch: string;
let server: Server;
let mirror: string;
beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'sqlite-for-electron-'));
  // A mirror whose tarball holds Node's build under the Electron name: a download of the wrong ABI.
  mkdirSync(join(scratch, 'tar/build/Release'), { recursive: true });
  writeFileSync(join(scratch, 'tar/build/Release/better_sqlite3.node'), readFileSync(nodeBuild));
  expect(spawnSync('tar', ['czf', join(scratch, 'wrong-abi.tar.gz'), '-C', join(scratch, 'tar'), 'build']).status).toBe(0);
  server = createServer((_req, res) => res.end(readFileSync(join(scratch, 'wrong-abi.tar.gz'))));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  mirror = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => {
  server.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** Runs the script; asynchronously, since the mirror is served from this process. */
function install(args: string[], host: string): Promise<{ status: number; stdout: string; stderr: string }> {
  const env = { ...process.env, npm_config_better_sqlite3_binary_host: host, npm_config_cache: join(scratch, 'npm-cache') };
  return new Promise((done) =>
    execFile(process.execPath, [script, ...args], { encoding: 'utf8', timeout: 60_000, env }, (e, stdout, stderr) =>
      done({ status: typeof e?.code === 'number' ? e.code : e ? -1 : 0, stdout, stderr }),
    ),
  );
}

describe('the Electron build of better-sqlite3', () => {
  it("knows Electron 41's ABI and reads which ABI a build registers", () => {
    expect(installedElectron()).toBe('41.10.0');
    expect(electronAbi('41.10.0')).toBe('145');
    expect(registersAbi(nodeBuild, process.versions.modules)).toBe(true);
    expect(registersAbi(nodeBuild, '145')).toBe(false);
  });

  it('as postinstall, offline: one message naming the file, each attempt and the command, and the install goes on', async () => {
    const run = await install(['--postinstall', ...ELSEWHERE], 'http://127.0.0.1:9'); // nothing listens on port 9
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr.match(/LabelTune:/g)).toHaveLength(1);
    expect(run.stderr).toContain(`the desktop app needs ${join(sqlitePackageDir(), 'lib/binding/electron-v145-freebsd-x64/better_sqlite3.node')}.`);
    expect(run.stderr).toContain('- download of the prebuilt binary: network unreachable (GET http://127.0.0.1:9/v');
    expect(run.stderr).toContain('run "npm run native:electron" once.');
  });

  it('run by hand, a download for the wrong ABI is refused and the command fails', async () => {
    const run = await install(ELSEWHERE, mirror);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/better_sqlite3\.node is not built for Electron's ABI 145/);
    expect(electronBuild('41.10.0', 'freebsd', 'x64').present).toBe(false);
  });

  it('the message lists every reason under one headline', () => {
    const text = notBuiltMessage('41.10.0', '/x.node', ['a: no', 'b: no']);
    expect(text.split('\n')).toEqual([
      'LabelTune: no Electron 41.10.0 build of better-sqlite3 yet (offline?). The CLI, "npm run serve" and "npm test" work as they are;',
      '  the desktop app needs /x.node.',
      '  - a: no',
      '  - b: no',
      '  With network access (or a mirror, see electron/sqlite-for-electron.mjs), run "npm run native:electron" once.',
    ]);
  });

  it('packaging stops when the target has no Electron build, saying what to run', async () => {
    // electron-builder's Arch enum: 1 = x64, 4 = universal (x64 + arm64).
    await expect(beforePack({ electronPlatformName: 'freebsd', arch: 1 })).rejects.toThrow(
      'Run "npm run native:electron -- --platform freebsd --arch x64" with network access, then "npm run dist" again.',
    );
    await expect(beforePack({ electronPlatformName: 'freebsd', arch: 4 })).rejects.toThrow('for freebsd-x64');
  });

  it('the offline package test may pack without it, with a warning that says what the package cannot do', async () => {
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (m: string) => warnings.push(m);
    process.env[PACK_WITHOUT_ELECTRON_SQLITE] = '1';
    try {
      await beforePack({ electronPlatformName: 'freebsd', arch: 1 });
    } finally {
      delete process.env[PACK_WITHOUT_ELECTRON_SQLITE];
      console.warn = warn;
    }
    expect(warnings).toEqual([expect.stringMatching(/^LabelTune: test package without better-sqlite3's Electron .* build for freebsd-x64: it cannot open a project in a real Electron\.$/)]);
  });
});
