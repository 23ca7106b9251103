import { existsSync, renameSync } from 'node:fs';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { createPrivateFile } from '../projects/paths.ts';
import { sqliteNativeBinding } from './sqlite-binding.mjs';

/**
 * The thumbnail cache: a second SQLite file (thumbnails/thumbnails.db) attached to the project's
 * connection as `thumbs`, one JPEG per content hash. One file instead of one per image: creating
 * a file cost 0.3-1.2 ms of kernel time per imported image here (ext4), a third of what encoding
 * the thumbnail costs, and a 100k-image project no longer carries 100k small files. It is a cache: nothing
 * in it is needed to open the project, and deleting it only means thumbnails are made again.
 */
export const THUMBNAIL_CACHE_FILE = 'thumbnails.db';

/**
 * Attach the cache, created when missing. A cache SQLite cannot read (a damaged or foreign file)
 * is moved aside under a `.broken-<time>` name and started afresh: it must never stop a project
 * from opening.
 */
export function attachThumbnailCache(db: Database, file: string): void {
  try {
    prepareFile(file);
  } catch {
    const stamp = Date.now();
    for (const suffix of ['', '-wal', '-shm']) if (existsSync(file + suffix)) renameSync(file + suffix, `${file}${suffix}.broken-${stamp}`);
    prepareFile(file);
  }
  db.prepare('ATTACH DATABASE ? AS thumbs').run(file);
  db.pragma('thumbs.synchronous = NORMAL');
}

/** The cache's layout, in its user_version: a file with another one is started afresh like a damaged one. */
const CACHE_VERSION = 1;

/**
 * Creates the file and its table on a connection of its own: a project opened with "must exist"
 * (every open after the first) passes that to ATTACH, which could then not create the file.
 */
function prepareFile(file: string): void {
  createPrivateFile(file);
  const cache = new BetterSqlite3(file, { nativeBinding: sqliteNativeBinding() });
  try {
    const version = cache.pragma('user_version', { simple: true }) as number;
    if (version !== 0 && version !== CACHE_VERSION) throw new Error(`${file} has cache layout ${version}, this version reads ${CACHE_VERSION}`);
    cache.pragma('journal_mode = WAL');
    cache.exec('CREATE TABLE IF NOT EXISTS thumbnails (hash TEXT PRIMARY KEY, jpeg BLOB NOT NULL)');
    cache.pragma(`user_version = ${CACHE_VERSION}`);
  } finally {
    cache.close();
  }
}

export interface StoredThumbnail {
  hash: string;
  jpeg: Uint8Array;
}

/** Reads and writes of the cache on one connection, with the statements prepared once. */
export class ThumbnailCache {
  private readonly select;
  private readonly insert;

  constructor(private readonly db: Database) {
    this.select = db.prepare('SELECT jpeg FROM thumbs.thumbnails WHERE hash = ?').pluck();
    this.insert = db.prepare('INSERT OR IGNORE INTO thumbs.thumbnails (hash, jpeg) VALUES (?, ?)');
  }

  get(hash: string): Buffer | undefined {
    return this.select.get(hash) as Buffer | undefined;
  }

  /**
   * Store thumbnails in one transaction of their own. The import calls this before it commits the
   * rows the thumbnails belong to, so a row that survives a crash always has its thumbnail; the
   * thumbnail of a row lost in the crash stays as a harmless, reusable cache entry.
   */
  putMany(entries: StoredThumbnail[]): void {
    if (entries.length === 0) return;
    this.db.transaction(() => {
      for (const e of entries) this.insert.run(e.hash, e.jpeg);
    })();
  }
}
