import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RecentProject } from '../../../shared/domain/project.ts';

const MAX_RECENT = 12;

/** The list of recently opened projects, kept in the user's LabelTune home (one small JSON file). */
export class RecentProjects {
  private readonly file: string;

  constructor(homeDir: string) {
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
    const list = [{ ...entry, openedAt: new Date().toISOString() }, ...this.list().filter((r) => r.dir !== entry.dir)];
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileSync(this.file, JSON.stringify(list.slice(0, MAX_RECENT), null, 2));
  }
}

function isRecent(x: unknown): x is RecentProject {
  const r = x as RecentProject;
  return typeof r?.dir === 'string' && typeof r?.name === 'string' && typeof r?.openedAt === 'string';
}
