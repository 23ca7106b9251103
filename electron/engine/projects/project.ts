import { chmodSync, existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { conflict, notFound, validation } from '../../../shared/contract/errors.ts';
import type { ProjectCounts, ProjectInfo } from '../../../shared/domain/project.ts';
import { type Database, now, openDatabase } from '../db/database.ts';
import { THUMBNAIL_CACHE_FILE, ThumbnailCache, attachThumbnailCache } from '../db/thumbnail-cache.ts';
import { removePartialCheckpoints } from '../runs/checkpoint-file.ts';
import { PRIVATE_FOLDER, createPrivateFile, makeFolders } from './paths.ts';

export const PROJECT_DB = 'project.db';
/** Cache folders inside a project directory, created with it. */
export const PROJECT_FOLDERS = ['images', 'thumbnails', 'cache', 'checkpoints', 'exports'] as const;
export type ProjectFolder = (typeof PROJECT_FOLDERS)[number];

/** An open project: its directory, its database and the folders beside it. */
export class Project {
  /** Thumbnails by content hash, in thumbnails/thumbnails.db (attached to `db`). */
  readonly thumbnails: ThumbnailCache;

  private constructor(
    readonly dir: string,
    readonly db: Database,
    readonly schemaVersion: number,
  ) {
    attachThumbnailCache(db, join(dir, 'thumbnails', THUMBNAIL_CACHE_FILE));
    this.thumbnails = new ThumbnailCache(db);
  }

  static create(dir: string, name?: string): Project {
    const abs = resolve(dir);
    if (existsSync(abs)) {
      if (!statSync(abs).isDirectory()) throw conflict(`${abs} is a file; choose a new folder for the project.`);
      if (existsSync(join(abs, PROJECT_DB))) throw conflict(`${abs} already holds a LabelTune project; open it instead.`);
      if (readdirSync(abs).length > 0) throw conflict(`${abs} is not empty; choose an empty or new folder for the project.`);
    }
    makeFolders(abs, PRIVATE_FOLDER);
    if (process.platform !== 'win32') chmodSync(abs, PRIVATE_FOLDER); // an empty folder the user made: it holds patient data now
    for (const f of PROJECT_FOLDERS) makeFolders(join(abs, f), PRIVATE_FOLDER);
    createPrivateFile(join(abs, PROJECT_DB));
    const { db, schemaVersion } = openDatabase(join(abs, PROJECT_DB), { create: true });
    const projectName = (name ?? '').trim() || basename(abs);
    const setMeta = db.prepare('INSERT INTO project_meta (key, value) VALUES (?, ?)');
    db.transaction(() => {
      setMeta.run('name', projectName);
      setMeta.run('created_at', now());
    })();
    return new Project(abs, db, schemaVersion);
  }

  static open(dir: string): Project {
    const abs = resolve(dir);
    const file = join(abs, PROJECT_DB);
    if (!existsSync(abs)) throw notFound(`The folder ${abs} does not exist.`);
    if (!existsSync(file)) {
      throw notFound(`${abs} is not a LabelTune project (it has no ${PROJECT_DB}). Create one with "labeltune init ${abs}".`);
    }
    const { db, schemaVersion } = openDatabase(file, { create: false });
    for (const f of PROJECT_FOLDERS) makeFolders(join(abs, f), PRIVATE_FOLDER);
    const project = new Project(abs, db, schemaVersion);
    project.markInterruptedJobs();
    removePartialCheckpoints(db, abs);
    return project;
  }

  get name(): string {
    return this.meta('name') ?? basename(this.dir);
  }

  rename(name: string): void {
    const trimmed = name.trim();
    if (!trimmed) throw validation('The project name must not be empty.');
    this.db.prepare('INSERT OR REPLACE INTO project_meta (key, value) VALUES (?, ?)').run('name', trimmed);
  }

  folder(f: ProjectFolder): string {
    return join(this.dir, f);
  }

  meta(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM project_meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  counts(): ProjectCounts {
    const one = (sql: string) => (this.db.prepare(sql).pluck().get() as number) ?? 0;
    return {
      images: one('SELECT count(*) FROM images'),
      labelled: one(`SELECT count(DISTINCT l.image_id) FROM labels l JOIN tasks t ON t.id = l.task_id WHERE t.role = 'main'`),
      excluded: one('SELECT count(*) FROM images WHERE excluded = 1'),
      classes: one(`SELECT count(*) FROM classes c JOIN tasks t ON t.id = c.task_id WHERE t.role = 'main'`),
      runs: one('SELECT count(*) FROM runs'),
    };
  }

  info(): ProjectInfo {
    return {
      dir: this.dir,
      name: this.name,
      createdAt: this.meta('created_at') ?? '',
      schemaVersion: this.schemaVersion,
      counts: this.counts(),
    };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Jobs that were running when the process died (kill -9, power loss) are marked, never left 'running'. */
  private markInterruptedJobs(): void {
    this.db
      .prepare(`UPDATE jobs SET status = 'interrupted', finished_at = ?, error = ? WHERE status = 'running'`)
      .run(now(), JSON.stringify({ code: 'internal', message: 'The app stopped while this job was running.' }));
  }
}
