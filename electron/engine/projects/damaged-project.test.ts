import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_DB, Project } from './project.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A project folder whose project.db is `bytes` (or made by `make`), and the file's path. */
function projectWith(content: Buffer | ((file: string) => void)): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'labeltune-damaged-'));
  dirs.push(dir);
  const file = join(dir, PROJECT_DB);
  if (typeof content === 'function') content(file);
  else writeFileSync(file, content);
  return { dir, file };
}

function expectRefusedUntouched(dir: string, file: string, message: RegExp): void {
  const before = readFileSync(file);
  const entries = readdirSync(dir).sort();
  expect(() => Project.open(dir)).toThrow(expect.objectContaining({ code: 'conflict', message: expect.stringMatching(message) }));
  expect(readFileSync(file).equals(before)).toBe(true);
  expect(readdirSync(dir).sort()).toEqual(entries); // no -wal, -shm or -journal, no project folders
}

describe('opening a project whose project.db is', () => {
  it('empty: refused, not made into a new empty project', () => {
    const { dir, file } = projectWith(Buffer.alloc(0));
    expectRefusedUntouched(dir, file, new RegExp(`^${file} is empty \\(0 bytes\\), so it cannot be opened as a project; LabelTune left it as it is. Restore project.db from a backup.`));
  });

  it('an SQLite file of something else: refused, no tables added', () => {
    const { dir, file } = projectWith((f) => {
      const db = new BetterSqlite3(f);
      db.exec('CREATE TABLE notes (text TEXT)');
      db.close();
    });
    expectRefusedUntouched(dir, file, /holds no LabelTune project \(it has no schema history\).*Restore project.db from a backup/);
  });

  it('damaged: a message naming the file and what to do, not a raw SQLite error', () => {
    const { dir, file } = projectWith(Buffer.from('this is not a database, just some text that got written over it'.repeat(100)));
    expectRefusedUntouched(dir, file, new RegExp(`^${file} is damaged \\(SQLite: file is not a database\\).*Restore project.db from a backup`));
  });

  it('a real project with its header overwritten: refused the same way', () => {
    const { dir, file } = projectWith(() => undefined);
    rmSync(dir, { recursive: true });
    mkdirSync(dir);
    Project.create(dir, 'Broken').close();
    const bytes = readFileSync(file);
    bytes.fill(0x41, 0, 100);
    writeFileSync(file, bytes);
    expect(() => Project.open(dir)).toThrow(/is damaged \(SQLite: .*\).*Restore project.db from a backup/);
  });
});
