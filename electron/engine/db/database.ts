import BetterSqlite3, { type Database } from 'better-sqlite3';
import { loadMigrations, migrate } from './migrations.ts';

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
  const db = new BetterSqlite3(file, { fileMustExist: !opts.create });
  try {
    // Check the history before touching the file in any way that a newer version could object to.
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    const schemaVersion = migrate(db, loadMigrations(), file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    return { db, schemaVersion };
  } catch (e) {
    db.close();
    throw e;
  }
}

/** ISO timestamp used for every `*_at` column. */
export const now = (): string => new Date().toISOString();
