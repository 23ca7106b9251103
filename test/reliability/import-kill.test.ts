import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { pattern, rawPng } from '../../electron/imaging/testing/fixtures.ts';
import { Project } from '../../electron/engine/projects/project.ts';
import { spawnCli } from './cli-process.ts';
import { recordFigures } from './figures.ts';

/**
 * kill -9 of `labeltune import` four times in a row on the same project (each run picks up where the
 * killed one stopped, and is killed in turn), then a last run that must complete with the rest. The
 * first kill lands at the first progress line, before any batch is committed; the others at fixed
 * delays after the run's first committed batch, so they hit different phases of the next batch
 * (decoding, thumbnails committed, rows being written).
 */
const FILES = 1600; // enough that even a fast machine is still importing at the fourth kill
const KILLS: { afterCommitMs: number | null }[] = [{ afterCommitMs: null }, { afterCommitMs: 0 }, { afterCommitMs: 60 }, { afterCommitMs: 150 }];
const POLL_MS = 5;

const tmp = mkdtempSync(join(tmpdir(), 'labeltune-rel-import-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Snapshot {
  integrity: string;
  foreignKeyErrors: number;
  paths: string[];
  withoutThumbnail: number;
}

/** What a killed import left: checked with plain SQLite, as a user's next start would find it. */
function inspect(projectDir: string): Snapshot {
  const db = new BetterSqlite3(join(projectDir, 'project.db'), { readonly: true });
  const integrity = db.pragma('integrity_check', { simple: true }) as string;
  const foreignKeyErrors = (db.pragma('foreign_key_check') as unknown[]).length;
  const rows = db.prepare('SELECT hash, path FROM images ORDER BY id').all() as { hash: string; path: string }[];
  db.close();
  const thumbs = new BetterSqlite3(join(projectDir, 'thumbnails', 'thumbnails.db'), { readonly: true });
  expect(thumbs.pragma('integrity_check', { simple: true })).toBe('ok');
  const cached = new Set(thumbs.prepare('SELECT hash FROM thumbnails').pluck().all() as string[]);
  thumbs.close();
  return { integrity, foreignKeyErrors, paths: rows.map((r) => r.path), withoutThumbnail: rows.filter((r) => !cached.has(r.hash)).length };
}

/** Resolves once the project holds more than `rows` images (a batch of the running import is committed). */
async function committedMoreThan(projectDir: string, rows: number): Promise<void> {
  const db = new BetterSqlite3(join(projectDir, 'project.db'), { readonly: true });
  try {
    const count = db.prepare('SELECT count(*) FROM images').pluck();
    const deadline = Date.now() + 30_000;
    while ((count.get() as number) <= rows) {
      if (Date.now() > deadline) throw new Error(`no batch committed in 30 s (still ${rows} rows)`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    db.close();
  }
}

describe('reliability: kill -9 during import', () => {
  it(`${KILLS.length} kills in a row lose nothing; the last run imports the rest`, async () => {
    const started = Date.now();
    const dir = join(tmp, 'images');
    mkdirSync(dir);
    const names = Array.from({ length: FILES }, (_, k) => `${String(k).padStart(4, '0')}.png`);
    for (const [k, name] of names.entries()) writeFileSync(join(dir, name), await rawPng(pattern(32, 32, 1, k), 32, 32, 1));
    const projectDir = join(tmp, 'project');
    Project.create(projectDir, 'Import kills').close();
    const home = join(tmp, 'home');

    const rowsAfterKill: number[] = [];
    for (const { afterCommitMs } of KILLS) {
      const run = spawnCli(home, ['import', projectDir, dir]);
      await run.firstProgress;
      if (afterCommitMs !== null) {
        await committedMoreThan(projectDir, rowsAfterKill.at(-1) ?? 0);
        await new Promise((r) => setTimeout(r, afterCommitMs));
      }
      run.child.kill('SIGKILL');
      const exit = await run.exited;
      expect(exit.signal, 'the import finished before its kill: raise FILES').toBe('SIGKILL');

      const after = inspect(projectDir);
      expect(after.integrity).toBe('ok');
      expect(after.foreignKeyErrors).toBe(0);
      expect(after.withoutThumbnail).toBe(0);
      // Rows are committed in file order a batch at a time: what survived is exactly a prefix of the list.
      expect(after.paths).toEqual(names.slice(0, after.paths.length).map((n) => join(dir, n)));
      expect(after.paths.length).toBeGreaterThanOrEqual(rowsAfterKill.at(-1) ?? 0);
      rowsAfterKill.push(after.paths.length);
    }
    const kept = rowsAfterKill.at(-1)!;
    expect(kept).toBeLessThan(FILES);

    const last = spawnCli(home, ['import', projectDir, dir, '--json']);
    const exit = await last.exited;
    expect(exit.code).toBe(0);
    expect(JSON.parse(exit.stdout)).toMatchObject({ files: FILES, imported: FILES - kept, skipped: kept, issues: [] });
    const final = inspect(projectDir);
    expect(final).toEqual({ integrity: 'ok', foreignKeyErrors: 0, paths: names.map((n) => join(dir, n)), withoutThumbnail: 0 });
    const db = new BetterSqlite3(join(projectDir, 'project.db'), { readonly: true });
    expect(db.prepare('SELECT count(DISTINCT hash) FROM images').pluck().get()).toBe(FILES);
    // Each killed job is marked interrupted when the next run opens the project, never left running.
    const statuses = db.prepare('SELECT status FROM jobs ORDER BY started_at').pluck().all();
    db.close();
    expect(statuses).toEqual([...KILLS.map(() => 'interrupted'), 'completed']);

    recordFigures(
      'import-kill',
      { runs: KILLS.length + 1, kills: KILLS.length, files: FILES, rowsAfterKill: Object.fromEntries(rowsAfterKill.map((n, i) => [`kill${i + 1}`, n])), lost: FILES - final.paths.length, rowsWithoutThumbnail: final.withoutThumbnail },
      Date.now() - started,
    );
  });
});
