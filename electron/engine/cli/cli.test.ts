import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const BIN = resolve(fileURLToPath(import.meta.url), '../labeltune.mjs');
let tmp: string;
let child: ChildProcess | null = null;

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'labeltune-cli-'));
});
afterEach(() => {
  child?.kill('SIGKILL');
  child = null;
  rmSync(tmp, { recursive: true, force: true });
});

/** Runs the CLI; `code` is -1 when it had to be killed (it ran past `timeout` ms). */
function run(args: string[], opts: { cwd?: string; timeout?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const env = { ...process.env, LABELTUNE_HOME: join(tmp, 'home'), HOME: join(tmp, 'user') };
    execFile(process.execPath, [BIN, ...args], { env, cwd: opts.cwd, timeout: opts.timeout, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const code = (err as { code?: unknown } | null)?.code;
      done({ code: err ? (typeof code === 'number' ? code : -1) : 0, stdout, stderr });
    });
  });
}

describe('labeltune CLI', () => {
  it('prints help listing the commands', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: labeltune <command>/);
    for (const c of ['init <dir>', 'info <dir>', 'serve [project-dir]']) expect(r.stdout).toContain(c);
  });

  it('exits 2 on usage errors with the usage line', async () => {
    expect((await run([])).code).toBe(2);
    const unknown = await run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
    const missing = await run(['info']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Usage: labeltune info <dir>/);
    const badFlag = await run(['init', join(tmp, 'p'), '--bogus']);
    expect(badFlag.code).toBe(2);
  });

  it('init on /proc/nope fails within seconds with a message (recursive mkdir used to loop forever)', async () => {
    const r = await run(['init', '/proc/nope'], { timeout: 20_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Cannot create the folder \/proc\/nope: \/proc does not accept new folders/);
  });

  it('init resolves a relative folder against the shell working folder and expands a quoted ~/', async () => {
    const relative = await run(['init', 'rel/p', '--json'], { cwd: tmp });
    expect([relative.code, JSON.parse(relative.stdout).dir]).toEqual([0, join(tmp, 'rel', 'p')]);
    const home = await run(['init', '~/projects/p', '--json'], { cwd: tmp });
    expect([home.code, JSON.parse(home.stdout).dir]).toEqual([0, join(tmp, 'user', 'projects', 'p')]);
  });

  it('init then info --json print one machine-readable document', async () => {
    const dir = join(tmp, 'p');
    const init = await run(['init', dir, '--name', 'Wafer lot 12', '--json']);
    expect(init.code).toBe(0);
    expect(JSON.parse(init.stdout)).toMatchObject({ dir, name: 'Wafer lot 12', counts: { images: 0 } });
    const info = await run(['info', dir, '--json']);
    expect(info.code).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ dir, name: 'Wafer lot 12' });
    const human = await run(['info', dir]);
    expect(human.stdout).toMatch(/Project\s+Wafer lot 12/);
  });

  it('exits 1 with a one-line message on user errors (and a JSON error with --json)', async () => {
    const r = await run(['info', join(tmp, 'nowhere')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/labeltune info: The folder .*nowhere does not exist/);
    const j = await run(['info', join(tmp, 'nowhere'), '--json']);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout).error.code).toBe('not-found');
  });

  it('serve --json prints the URL and answers with the token only', async () => {
    const dir = join(tmp, 'p');
    await run(['init', dir, '--name', 'Served']);
    child = spawn(process.execPath, [BIN, 'serve', dir, '--port', '0', '--json'], { env: { ...process.env, LABELTUNE_HOME: join(tmp, 'home') } });
    const line = await new Promise<string>((resolveLine, reject) => {
      let buf = '';
      child!.stdout!.on('data', (c: Buffer) => {
        buf += c.toString();
        if (buf.includes('\n')) resolveLine(buf.split('\n')[0]);
      });
      child!.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
    });
    const { url, token, port, project } = JSON.parse(line) as { url: string; token: string; port: number; project: { name: string } };
    expect(project.name).toBe('Served');
    expect(url).toBe(`http://127.0.0.1:${port}/?token=${token}`);
    const post = (t?: string) =>
      fetch(`http://127.0.0.1:${port}/api/invoke${t ? `?token=${t}` : ''}`, { method: 'POST', body: JSON.stringify({ id: 1, method: 'project.info', args: {} }) });
    expect((await post()).status).toBe(401);
    const ok = await post(token);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { result: { name: string } }).result.name).toBe('Served');
    child.kill('SIGTERM');
    const code = await new Promise((r) => child!.once('exit', r));
    expect(code).toBe(0);
  });
});
