import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { Project } from '../../projects/project.ts';
import { pattern, rawPng } from '../../../imaging/testing/fixtures.ts';

const CLI = fileURLToPath(new URL('../../cli/labeltune.mjs', import.meta.url));
const FILES = 500;
const BATCH = 200;

const tmp = mkdtempSync(join(tmpdir(), 'labeltune-kill-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(args: string[]): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], { env: { ...process.env, LABELTUNE_HOME: join(tmp, 'home') }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resolves with the child's exit once stderr has shown `percent`% progress and the child was killed. */
function killAt(child: ChildProcess, percent: number): Promise<{ signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    const seen = [...stderr.matchAll(/^(\d+)% /gm)].map((m) => Number(m[1]));
    if (seen.some((p) => p >= percent && p < 100) && child.exitCode === null) child.kill('SIGKILL');
  });
  return new Promise((resolve) => child.on('exit', (_code, signal) => resolve({ signal, stderr })));
}

function finish(child: ChildProcess): Promise<{ code: number | null; stdout: string }> {
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout })));
}

describe('kill -9 in the middle of an import', () => {
  it('leaves a consistent database, and a re-run imports every file exactly once', async () => {
    const dir = join(tmp, 'images');
    mkdirSync(dir);
    const names = Array.from({ length: FILES }, (_, k) => `${String(k).padStart(3, '0')}.png`);
    for (const [k, name] of names.entries()) writeFileSync(join(dir, name), await rawPng(pattern(32, 32, 1, k), 32, 32, 1));
    const projectDir = join(tmp, 'project');
    Project.create(projectDir, 'Kill test').close();

    const killed = await killAt(cli(['import', projectDir, dir]), 50);
    expect(killed.signal).toBe('SIGKILL');

    const db = new BetterSqlite3(join(projectDir, 'project.db'));
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);
    const kept = db.prepare('SELECT hash, path FROM images ORDER BY id').all() as { hash: string; path: string }[];
    // Rows are written in file order, a batch (at least BATCH files) per transaction: what survived is
    // exactly the first files of the list, the batch in flight is gone, nothing is half-written.
    expect(kept.length).toBeGreaterThanOrEqual(BATCH);
    expect(kept.length).toBeLessThan(FILES);
    expect(kept.map((r) => r.path)).toEqual(names.slice(0, kept.length).map((n) => join(dir, n)));
    db.close();
    // Each batch's thumbnails are committed before its rows: every surviving row has one.
    const thumbs = new BetterSqlite3(join(projectDir, 'thumbnails', 'thumbnails.db'), { readonly: true });
    expect(thumbs.pragma('integrity_check', { simple: true })).toBe('ok');
    const cached = new Set(thumbs.prepare('SELECT hash FROM thumbnails').pluck().all() as string[]);
    thumbs.close();
    expect(kept.filter((r) => !cached.has(r.hash))).toEqual([]);

    const rerun = await finish(cli(['import', projectDir, dir, '--json']));
    expect(rerun.code).toBe(0);
    const report = JSON.parse(rerun.stdout);
    expect(report).toMatchObject({ files: FILES, imported: FILES - kept.length, skipped: kept.length, issues: [] });

    const after = new BetterSqlite3(join(projectDir, 'project.db'), { readonly: true });
    expect(after.prepare('SELECT count(*) FROM images').pluck().get()).toBe(FILES);
    expect(after.prepare('SELECT count(DISTINCT path) FROM images').pluck().get()).toBe(FILES);
    expect(after.prepare('SELECT count(DISTINCT hash) FROM images').pluck().get()).toBe(FILES);
    // The killed job is marked interrupted when the project is opened again, never left 'running'.
    expect(after.prepare(`SELECT status FROM jobs ORDER BY started_at`).pluck().all()).toEqual(['interrupted', 'completed']);
    after.close();
  });
});
