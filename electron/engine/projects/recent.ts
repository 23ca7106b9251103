import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecentProject } from '../../../shared/domain/project.ts';
import { withFileLock } from './file-lock.ts';
import { PRIVATE_FILE, PRIVATE_FOLDER, makeFolders } from './paths.ts';

const MAX_RECENT = 12;
/** A lock older than this belongs to a process that died holding it (the update takes milliseconds). */
const STALE_LOCK_MS = 2_000;
const LOCK_WAIT_MS = 10_000;

/**
 * The list of recently opened projects, kept in the user's LabelTune home (one small JSON file).
 * Several processes update it at once (the desktop app, CLI runs, browser mode), so an update is a
 * read-merge-write under a lock file, and the write is a temporary file renamed over the list: a
 * reader never sees half a file and no process overwrites another's entry.
 */
export class RecentProjects {
  private readonly file: string;

  constructor(private readonly homeDir: string) {
    this.file = join(homeDir, 'recent-projects.json');
  }

  list(): RecentProject[] {
    try {
      const parsed: unknown = JSON.parse(readFileSync(this.file, 'utf8'));
      return Array.isArray(parsed) ? parsed.filter(isRecent) : [];
    } catch {
      return []; // no file yet, or a damaged one: start a new list rather than fail opening a project
    }
  }

  touch(entry: Omit<RecentProject, 'openedAt'>): void {
    makeFolders(this.homeDir, PRIVATE_FOLDER);
    withFileLock(`${this.file}.lock`, () => {
      const list = [{ ...entry, openedAt: new Date().toISOString() }, ...this.list().filter((r) => r.dir !== entry.dir)];
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(list.slice(0, MAX_RECENT), null, 2), { mode: PRIVATE_FILE });
      renameSync(tmp, this.file);
    }, { staleMs: STALE_LOCK_MS, waitMs: LOCK_WAIT_MS, mode: PRIVATE_FILE });
  }
}

function isRecent(x: unknown): x is RecentProject {
  const r = x as RecentProject;
  return typeof r?.dir === 'string' && typeof r?.name === 'string' && typeof r?.openedAt === 'string';
}
