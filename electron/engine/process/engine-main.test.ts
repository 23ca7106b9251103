import { fork, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineToMain } from '../../../shared/contract/engine-process.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
/** The source fallback of the engine entry (engine/app-files.ts processEntry), as main would start it. */
const SHIM = join(root, 'electron/engine/process/engine-main.mjs');
/** process.parentPort over child_process.fork's channel, as the fake Electron of the bundle tests gives it. */
const PARENT_PORT = join(root, 'electron/main/testing/fake-parent-port.mjs');

describe('the engine process entry, from its sources', () => {
  let home: string;
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('says ready on its parent port, answers a request by id and exits 0 on shutdown', async () => {
    home = mkdtempSync(join(tmpdir(), 'labeltune-engine-main-'));
    const env: NodeJS.ProcessEnv = { ...process.env, LABELTUNE_HOME: home, LABELTUNE_QUIET: '1', FAKE_PARENT_PORT: '1' };
    delete env.NODE_OPTIONS;
    const child = fork(SHIM, [], { execArgv: ['--import', PARENT_PORT], env, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const next = (kind: string) =>
      new Promise<EngineToMain>((resolve) => child.on('message', (m: EngineToMain) => m.kind === kind && resolve(m)));
    expect(await next('ready')).toEqual({ kind: 'ready' });
    const answered = next('response');
    child.send({ kind: 'invoke', id: 41, method: 'project.recent', args: {} });
    expect(await answered).toEqual({ kind: 'response', id: 41, ok: true, result: [] });
    child.send({ kind: 'shutdown' });
    expect(await exited).toBe(0);
  }, 30_000);

  it('refuses to run without a parent port, saying who must start it', () => {
    home = mkdtempSync(join(tmpdir(), 'labeltune-engine-main-'));
    const env: NodeJS.ProcessEnv = { ...process.env, LABELTUNE_HOME: home };
    delete env.NODE_OPTIONS;
    const run = spawnSync(process.execPath, [SHIM], { encoding: 'utf8', env, timeout: 30_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('must be started by the desktop app (Electron utilityProcess.fork)');
  }, 30_000);
});
