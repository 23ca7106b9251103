import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildElectron } from '../build.mjs';
import type { ProjectInfo } from '../../shared/domain/project.ts';
import type { BridgeResponse, ShellEvents } from '../../shared/contract/shell.ts';
import { CONTENT_SECURITY_POLICY } from '../engine/server/csp.ts';

/** What testing/fake-electron.mjs prints. */
interface BundleReport {
  sandboxEnabled: boolean;
  schemes: unknown;
  permissionGranted: boolean;
  permissionCheck: boolean;
  hookedCsp: string[];
  appEvents: string[];
  menu: string[];
  recentMenu: string[];
  windowOptions: { webPreferences: Record<string, unknown> & { preload: string } };
  loadedUrl: string;
  page: { status: number; csp: string; body: string };
  created: BridgeResponse;
  dialog: BridgeResponse;
  foreign: BridgeResponse;
  sent: [string, string][];
  stopped: ShellEvents['engine.stopped'][];
  messageBoxes: { type: string; detail: string }[];
  utility: { serviceName: string; modulePath: string; pid: number; exit: { code: number | null; signal: string | null } | null }[];
  quit: { called: boolean; engines: ({ code: number | null; signal: string | null } | null)[] };
  /** testing/fake-engine-crash.mjs, with FAKE_KILL_ENGINE. */
  crash?: { pids: number[]; before: BridgeResponse; rejected: BridgeResponse; afterRestart: BridgeResponse; afterSecondDeath: BridgeResponse };
}

const root = fileURLToPath(new URL('../../', import.meta.url));
const LOAD_ERROR = "The module 'better_sqlite3.node' was compiled against a different Node.js version (test)";

/**
 * Electron cannot run here, so the real main bundle runs in Node on a fake Electron
 * (testing/fake-electron.mjs), and the engine in the utility process the fake forks from
 * out/main/engine.mjs. This catches what only the bundle can get wrong: the migrations next to the
 * engine, external native modules, require() in ESM, the preload path, the whole start-up and shutdown.
 */
describe('the bundled main process on a fake Electron', () => {
  // Inside the repository (gitignored .cache/) so the bundle's external packages resolve from node_modules.
  let scratch: string;
  let report: BundleReport;
  let crashed: BundleReport;
  let broken: SpawnSyncReturns<string>;

  /** One launch of the bundle, driven by the fake; `name` keeps each launch's home and project apart. */
  const start = (name: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> =>
    spawnSync(
      process.execPath,
      ['--import', join(root, 'electron/main/testing/register-bundle-only.mjs'), '--import', join(root, 'electron/main/testing/register-fake-electron.mjs'), join(scratch, 'out/main/index.mjs')],
      {
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, LABELTUNE_QUIET: '1', LABELTUNE_HOME: join(scratch, name, 'home'), FAKE_APP_PATH: join(scratch, 'app'), FAKE_PROJECT_DIR: join(scratch, name, 'project'), ...env },
      },
    );
  const launch = (name: string, env: NodeJS.ProcessEnv = {}): BundleReport => {
    const run = start(name, env);
    if (run.status !== 0) throw new Error(`bundle exited with ${run.status}: ${run.stderr}`);
    return JSON.parse(run.stdout.trim().split('\n').at(-1)!);
  };

  beforeAll(async () => {
    mkdirSync(join(root, '.cache'), { recursive: true });
    scratch = mkdtempSync(join(root, '.cache/bundle-test-'));
    await buildElectron(join(scratch, 'out'));
    mkdirSync(join(scratch, 'app/renderer/dist'), { recursive: true });
    writeFileSync(join(scratch, 'app/renderer/dist/index.html'), '<!doctype html><title>LabelTune test page</title>');
    report = launch('plain');
    crashed = launch('crash', { FAKE_KILL_ENGINE: '1' });
    broken = start('broken', { FAKE_ENGINE_LOAD_ERROR: LOAD_ERROR });
  }, 120_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('starts hardened: sandbox, privileged scheme, permissions denied, CSP hooked', () => {
    expect(report.sandboxEnabled).toBe(true);
    expect(report.schemes).toEqual([{ scheme: 'labeltune', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    expect(report.permissionGranted).toBe(false);
    expect(report.permissionCheck).toBe(false);
    expect(report.hookedCsp).toEqual([CONTENT_SECURITY_POLICY]);
    expect(report.appEvents).toEqual(expect.arrayContaining(['web-contents-created', 'window-all-closed', 'will-quit', 'second-instance']));
    expect(report.menu).toEqual(['File', 'editMenu', 'View', 'help']);
  });

  it('opens one window with the bundled preload and loads the app page through the protocol', () => {
    const web = report.windowOptions.webPreferences;
    expect(web.preload).toBe(join(scratch, 'out/preload/index.cjs'));
    expect(existsSync(web.preload)).toBe(true);
    expect([web.contextIsolation, web.sandbox, web.nodeIntegration]).toEqual([true, true, false]);
    expect(report.loadedUrl).toBe('labeltune://app/index.html');
    expect(report.page).toEqual({ status: 200, csp: CONTENT_SECURITY_POLICY, body: '<!doctype html><title>LabelTune test page</title>' });
  });

  it('runs the engine in one utility process from out/main/engine.mjs; main loads no native or TensorFlow module', () => {
    expect(report.utility.map((u) => [u.serviceName, u.modulePath])).toEqual([['LabelTune engine', join(scratch, 'out/main/engine.mjs')]]);
    expect(report.utility[0].pid).not.toBe(undefined);
    const main = readFileSync(join(scratch, 'out/main/index.mjs'), 'utf8');
    const specifiers = new Set([...main.matchAll(/(?:\bfrom\s*|\bimport\(\s*|\brequire\d*(?:\.resolve)?\(\s*)["']([^"'.][^"']*)["']/g)].map((m) => m[1]));
    expect([...specifiers].filter((s) => !isBuiltin(s))).toEqual(['electron']);
    expect(main).not.toMatch(/better-sqlite3|@tensorflow|onnxruntime|CREATE TABLE/);
  });

  it('creates a project over IPC with the migrations shipped next to the bundle, and lists it in the menu', () => {
    expect(report.created.ok).toBe(true);
    const info = (report.created as { result: ProjectInfo }).result;
    expect(info.name).toBe('Bundle smoke');
    expect(info.schemaVersion).toBeGreaterThanOrEqual(1);
    expect(existsSync(join(scratch, 'plain/project/project.db'))).toBe(true);
    expect(report.sent).toContainEqual(['engine:event', 'project.changed']);
    expect(report.recentMenu).toEqual([`Bundle smoke — ${join(scratch, 'plain/project')}`]);
  });

  it('answers the folder dialog in the shell and refuses foreign senders', () => {
    expect(report.dialog).toEqual({ ok: true, result: { dir: '/picked/folder' } });
    expect(report.foreign).toMatchObject({ ok: false, error: { code: 'unsupported' } });
  });

  it('quits when the window closes, after the engine closed the project and exited with 0', () => {
    expect(report.quit).toEqual({ called: true, ms: expect.any(Number), engines: [{ code: 0, signal: null }] });
    // A cleanly closed SQLite database in WAL mode leaves no -wal file behind.
    expect(existsSync(join(scratch, 'plain/project/project.db-wal'))).toBe(false);
    expect(report.stopped).toEqual([]);
  });

  it('when the engine is killed mid-call: the call fails with the reason, the window is told, and the engine comes back with the project', () => {
    const c = crashed.crash!;
    expect(c.before).toMatchObject({ ok: true, result: { name: 'Bundle smoke' } });
    expect(c.rejected).toEqual({
      ok: false,
      error: { code: 'internal', message: '"project.info" did not finish: the LabelTune engine process stopped unexpectedly (exit code 137). It was restarted, with your project reopened; try again.' },
    });
    expect(c.afterRestart).toMatchObject({ ok: true, result: { name: 'Bundle smoke', dir: join(scratch, 'crash/project') } });
    expect(c.pids[1]).not.toBe(c.pids[0]);
    expect(crashed.utility.map((u) => u.pid)).toEqual(c.pids);
    expect(crashed.stopped[0]).toEqual({ message: expect.stringContaining('stopped unexpectedly (exit code 137)'), restarted: true });
  });

  it('when the restarted engine dies too: a dialog, every later call fails at once with what to do, and the app still quits', () => {
    const c = crashed.crash!;
    expect(crashed.stopped.map((s) => s.restarted)).toEqual([true, false]);
    const gaveUp = 'The LabelTune engine is not running: it stopped twice (last exit code 137). Quit LabelTune and start it again; your project is saved.';
    expect(crashed.messageBoxes).toEqual([expect.objectContaining({ type: 'error', detail: gaveUp })]);
    expect(c.afterSecondDeath).toEqual({ ok: false, error: { code: 'internal', message: gaveUp } });
    expect(crashed.utility).toHaveLength(2);
    expect(crashed.quit).toMatchObject({ called: true, engines: [{ code: null, signal: 'SIGKILL' }, { code: null, signal: 'SIGKILL' }] });
  });

  it('when the engine cannot even load: no window; the start-up dialog says why, from its stderr', () => {
    // The fake's showErrorBox prints the title and message and exits 3.
    expect(broken.status).toBe(3);
    expect(broken.stdout).toBe('');
    expect(broken.stderr).toContain('LabelTune could not start: The LabelTune engine is not running: it stopped twice (last exit code 1).');
    expect(broken.stderr).toContain(`It said: Error: ${LOAD_ERROR}`);
    expect(existsSync(join(scratch, 'broken/project'))).toBe(false);
  });
});
