import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database } from 'better-sqlite3';
import { conflict } from '../../../shared/contract/errors.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const MIGRATION_FILE = /^(\d{3})-([a-z0-9-]+)\.sql$/;

/** The migrations shipped with this build, in order. Numbers must run 1, 2, 3 ... without gaps. */
export function loadMigrations(dir = fileURLToPath(new URL('./migrations/', import.meta.url))): Migration[] {
  const migrations = readdirSync(dir)
    .map((file) => ({ file, m: MIGRATION_FILE.exec(file) }))
    .filter((x): x is { file: string; m: RegExpExecArray } => x.m !== null)
    .map(({ file, m }) => ({ version: Number(m[1]), name: m[2], sql: readFileSync(`${dir}/${file}`, 'utf8') }))
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`Migration numbering has a gap before ${m.version}-${m.name}.sql`);
  });
  return migrations;
}

/**
 * Bring the database up to the newest schema, one transaction per migration. A database whose
 * history holds migrations this build does not know was written by a newer LabelTune: refuse it
 * and change nothing.
 */
export function migrate(db: Database, migrations: Migration[], where: string): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT`);
  const applied = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as {
    version: number;
    name: string;
  }[];
  const known = new Map(migrations.map((m) => [m.version, m.name]));
  const unknown = applied.filter((a) => known.get(a.version) !== a.name);
  if (unknown.length > 0) {
    const newest = applied[applied.length - 1];
    throw conflict(
      `${where} was created by a newer version of LabelTune (schema ${newest.version}-${newest.name}); ` +
        `this version knows schema ${migrations.length}. Update LabelTune to open it. The project was not changed.`,
    );
  }
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of migrations.slice(applied.length)) {
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, new Date().toISOString());
    })();
  }
  return migrations.length;
}
