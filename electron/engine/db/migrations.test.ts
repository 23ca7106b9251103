import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineError } from '../../../shared/contract/errors.ts';
import { openDatabase } from './database.ts';
import { loadMigrations, migrate } from './migrations.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'labeltune-db-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('migrations', () => {
  it('ships numbered migrations without gaps, starting at 1', () => {
    const ms = loadMigrations();
    expect(ms.length).toBeGreaterThanOrEqual(1);
    expect(ms.map((m) => m.version)).toEqual(ms.map((_, i) => i + 1));
    expect(ms[0].name).toBe('init');
  });

  it('creates every table the product needs, with WAL and foreign keys on', () => {
    const { db, schemaVersion } = openDatabase(join(dir, 'p.db'), { create: true });
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(
      expect.arrayContaining(['images', 'tasks', 'classes', 'labels', 'label_events', 'splits', 'runs', 'run_metrics', 'checkpoints', 'exports', 'jobs', 'schema_migrations']),
    );
    expect(schemaVersion).toBe(loadMigrations().length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.prepare('SELECT count(*) FROM schema_migrations').pluck().get()).toBe(schemaVersion);
    db.close();
  });

  it('is idempotent: reopening applies nothing twice', () => {
    openDatabase(join(dir, 'p.db'), { create: true }).db.close();
    const { db } = openDatabase(join(dir, 'p.db'), { create: false });
    expect(db.prepare('SELECT count(*) FROM schema_migrations').pluck().get()).toBe(loadMigrations().length);
    db.close();
  });

  it('applies only the missing migrations, each in its own transaction', () => {
    const file = join(dir, 'p.db');
    const db = new BetterSqlite3(file);
    const all = loadMigrations();
    migrate(db, all.slice(0, 1), file);
    const extra = { version: all.length + 1, name: 'extra', sql: 'CREATE TABLE extra (x INTEGER) STRICT;' };
    expect(migrate(db, [...all, extra], file)).toBe(all.length + 1);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'extra'").pluck().get()).toBe(1);
    db.close();
  });

  it('rolls back a failing migration completely', () => {
    const file = join(dir, 'p.db');
    const db = new BetterSqlite3(file);
    const all = loadMigrations();
    const broken = { version: all.length + 1, name: 'broken', sql: 'CREATE TABLE half (x INTEGER); SELECT * FROM no_such_table;' };
    expect(() => migrate(db, [...all, broken], file)).toThrow(/no_such_table/);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'half'").pluck().get()).toBe(0);
    expect(db.prepare('SELECT max(version) FROM schema_migrations').pluck().get()).toBe(all.length);
    db.close();
  });

  it('refuses a database made by a newer version and leaves the file byte-identical', () => {
    const file = join(dir, 'p.db');
    const { db } = openDatabase(file, { create: true });
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(999, 'from-the-future', 'x');
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('journal_mode = DELETE');
    db.close();
    const before = readFileSync(file);
    let error: unknown;
    try {
      openDatabase(file, { create: false });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('conflict');
    expect((error as EngineError).message).toMatch(/newer version of LabelTune.*999-from-the-future.*Update LabelTune/);
    expect(readFileSync(file).equals(before)).toBe(true);
  });
});
