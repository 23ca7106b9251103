import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildElectron } from '../build.mjs';
import type { ProjectInfo } from '../../shared/domain/project.ts';
import type { BridgeResponse } from '../../shared/contract/shell.ts';
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
  windowOptions: { webPreferences: Record<string, unknown> & { preload: string } };
  loadedUrl: string;
  page: { status: number; csp: string; body: string };
  created: BridgeResponse;
  dialog: BridgeResponse;
  foreign: BridgeResponse;
  sent: [string, string][];
}

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Electron cannot run here, so the real main bundle runs in Node on a fake Electron
 * (testing/fake-electron.mjs). This catches what only the bundle can get wrong: the migrations
 * next to it, external native modules, require() in ESM, the preload path, the whole start-up.
 */
describe('the bundled main process on a fake Electron', () => {
  // Inside the repository (gitignored .cache/) so the bundle's external packages resolve from node_modules.
  let scratch: string;
  let report: BundleReport;

  beforeAll(async () => {
    mkdirSync(join(root, '.cache'), { recursive: true });
    scratch = mkdtempSync(join(root, '.cache/bundle-test-'));
    await buildElectron(join(scratch, 'out'));
    mkdirSync(join(scratch, 'app/renderer/dist'), { recursive: true });
    writeFileSync(join(scratch, 'app/renderer/dist/index.html'), '<!doctype html><title>LabelTune test page</title>');
    const run = spawnSync(
      process.execPath,
      ['--import', join(root, 'electron/main/testing/register-fake-electron.mjs'), join(scratch, 'out/main/index.mjs')],
      {
        encoding: 'utf8',
        timeout: 60_000,
        env: {
          ...process.env,
          LABELTUNE_HOME: join(scratch, 'home'),
          FAKE_APP_PATH: join(scratch, 'app'),
          FAKE_PROJECT_DIR: join(scratch, 'project'),
        },
      },
    );
    if (run.status !== 0) throw new Error(`bundle exited with ${run.status}: ${run.stderr}`);
    report = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('starts hardened: sandbox, privileged scheme, permissions denied, CSP hooked', () => {
    expect(report.sandboxEnabled).toBe(true);
    expect(report.schemes).toEqual([{ scheme: 'labeltune', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    expect(report.permissionGranted).toBe(false);
    expect(report.permissionCheck).toBe(false);
    expect(report.hookedCsp).toEqual([CONTENT_SECURITY_POLICY]);
    expect(report.appEvents).toEqual(expect.arrayContaining(['web-contents-created', 'window-all-closed', 'second-instance']));
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

  it('creates a project over IPC with the migrations shipped next to the bundle', () => {
    expect(report.created.ok).toBe(true);
    const info = (report.created as { result: ProjectInfo }).result;
    expect(info.name).toBe('Bundle smoke');
    expect(info.schemaVersion).toBeGreaterThanOrEqual(1);
    expect(existsSync(join(scratch, 'project/project.db'))).toBe(true);
    expect(report.sent).toContainEqual(['engine:event', 'project.changed']);
  });

  it('answers the folder dialog in the shell and refuses foreign senders', () => {
    expect(report.dialog).toEqual({ ok: true, result: { dir: '/picked/folder' } });
    expect(report.foreign).toMatchObject({ ok: false, error: { code: 'unsupported' } });
  });
});
