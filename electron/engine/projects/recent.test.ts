import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { RecentProjects } from './recent.ts';

const RECENT = fileURLToPath(new URL('./recent.ts', import.meta.url));

/** A process that waits for `at` (so that all start together), then adds `dir` to the list in `home`. */
function touchInChild(home: string, dir: string, at: number): Promise<number | null> {
  const code = `
    const { register } = await import('tsx/esm/api'); register();
    const { RecentProjects } = await import(${JSON.stringify(RECENT)});
    while (Date.now() < ${at}) {}
    new RecentProjects(${JSON.stringify(home)}).touch({ dir: ${JSON.stringify(dir)}, name: 'p' });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: 'inherit' });
  return new Promise((done) => child.on('exit', done));
}

describe('recent projects', () => {
  const tmps: string[] = [];
  afterEach(() => tmps.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'labeltune-recent-'));
    tmps.push(d);
    return d;
  };

  it('keeps every entry when 8 processes update the list at once', async () => {
    const home = join(tmp(), 'home');
    const at = Date.now() + 2_500; // after every child has loaded tsx
    const dirs = Array.from({ length: 8 }, (_, k) => `/projects/p${k}`);
    expect(await Promise.all(dirs.map((d) => touchInChild(home, d, at)))).toEqual(dirs.map(() => 0));
    expect(new RecentProjects(home).list().map((r) => r.dir).sort()).toEqual(dirs);
    expect(readdirSync(home)).toEqual(['recent-projects.json']); // no lock or temporary file left
  }, 60_000);

  it('takes over a lock left by a process that died holding it', () => {
    const home = tmp();
    const lock = join(home, 'recent-projects.json.lock');
    writeFileSync(lock, '');
    utimesSync(lock, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    new RecentProjects(home).touch({ dir: '/projects/a', name: 'a' });
    expect(new RecentProjects(home).list().map((r) => r.dir)).toEqual(['/projects/a']);
    expect(existsSync(lock)).toBe(false);
    expect(statSync(join(home, 'recent-projects.json')).size).toBeGreaterThan(0);
  });
});
