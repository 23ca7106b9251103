import { statSync } from 'node:fs';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { conflict } from '../../../shared/contract/errors.ts';
import { loadMigrations, migrate } from './migrations.ts';
import { sqliteNativeBinding } from './sqlite-binding.mjs';

export type { Database };

export interface OpenedDatabase {
  db: Database;
  schemaVersion: number;
}

/**
 * Open (or create) a project database: WAL journal, foreign keys on, migrations applied.
 * The engine is the only writer; the trainer process reports to it instead of writing here.
 */
export function openDatabase(file: string, opts: { create: boolean }): OpenedDatabase {
  // An empty file would be taken for a new database and silently made into an empty project.
  if (!opts.create && statSync(file).size === 0) throw notAProject(file, 'is empty (0 bytes)');
  const db = new BetterSqlite3(file, { fileMustExist: !opts.create, nativeBinding: sqliteNativeBinding() });
  try {
    // Check the history before touching the file in any way that a newer version could object to.
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    if (!opts.create && !hasHistory(db)) throw notAProject(file, 'holds no LabelTune project (it has no schema history)');
    const schemaVersion = migrate(db, loadMigrations(), file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    return { db, schemaVersion };
  } catch (e) {
    db.close();
    throw damaged(e, file) ?? e;
  }
}

function hasHistory(db: Database): boolean {
  return db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").pluck().get() === 1;
}

function notAProject(file: string, what: string) {
  return conflict(
    `${file} ${what}, so it cannot be opened as a project; LabelTune left it as it is. ` +
      'Restore project.db from a backup. If the project was being created when the app stopped, delete its folder and create it again.',
  );
}

/** SQLite's own words for a damaged file ("file is not a database") become what to do about it. */
function damaged(e: unknown, file: string) {
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string' || !/^SQLITE_(NOTADB|CORRUPT)/.test(code)) return null;
  return conflict(
    `${file} is damaged (SQLite: ${(e as Error).message}), so the project cannot be opened; LabelTune left the file as it is. ` +
      'Restore project.db from a backup (with its project.db-wal file, if the backup has one).',
  );
}

/** ISO timestamp used for every `*_at` column. */
export const now = (): string => new Date().toISOString();
