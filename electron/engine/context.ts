import { homedir } from 'node:os';
import { join } from 'node:path';
import { notFound } from '../../shared/contract/errors.ts';
import type { ProjectInfo } from '../../shared/domain/project.ts';
import { EventBus } from './events.ts';
import { JobManager, type JobStore } from './jobs/job-manager.ts';
import { Project } from './projects/project.ts';
import { RecentProjects } from './projects/recent.ts';
import { AssetRegistry } from './assets.ts';

export interface EngineOptions {
  /** Where LabelTune keeps per-user state (recent projects, weight cache). */
  homeDir?: string;
}

/** Default per-user folder; LABELTUNE_HOME overrides it (tests, portable installs). */
export function defaultHomeDir(): string {
  return process.env.LABELTUNE_HOME ?? join(homedir(), '.labeltune');
}

/**
 * The state every handler shares: the open project, the job manager, the event bus and the
 * asset registry. One per engine; handlers receive it when the engine is built.
 */
export class EngineContext {
  readonly events = new EventBus();
  readonly jobs: JobManager;
  readonly assets = new AssetRegistry();
  readonly recent: RecentProjects;
  readonly homeDir: string;
  private current: Project | null = null;

  constructor(opts: EngineOptions = {}) {
    this.homeDir = opts.homeDir ?? defaultHomeDir();
    this.recent = new RecentProjects(this.homeDir);
    this.jobs = new JobManager(this.events, () => (this.current ? projectJobStore(this.current) : null));
  }

  /** The open project, or a `not-found` error that tells the user what to do. */
  project(): Project {
    if (!this.current) throw notFound('No project is open. Create a project or open an existing one first.');
    return this.current;
  }

  get hasProject(): boolean {
    return this.current !== null;
  }

  async setProject(project: Project | null): Promise<void> {
    if (this.current && this.current !== project) {
      await this.jobs.cancelAll();
      this.current.close();
    }
    this.current = project;
    if (project) this.recent.touch({ dir: project.dir, name: project.name });
    this.projectChanged();
  }

  /** Tell clients the project's info moved (counts, name). */
  projectChanged(): ProjectInfo | null {
    const info = this.current?.info() ?? null;
    this.events.emit('project.changed', info);
    return info;
  }

  async close(): Promise<void> {
    await this.setProject(null);
  }
}

function projectJobStore(project: Project): JobStore {
  return {
    started(job, params) {
      project.db
        .prepare('INSERT INTO jobs (id, kind, status, params, started_at) VALUES (?, ?, ?, ?, ?)')
        .run(job.id, job.kind, job.status, JSON.stringify(params ?? {}), job.startedAt);
    },
    finished(job) {
      if (!project.db.open) return;
      project.db
        .prepare('UPDATE jobs SET status = ?, result = ?, error = ?, finished_at = ? WHERE id = ?')
        .run(job.status, JSON.stringify(job.result), job.error ? JSON.stringify(job.error) : null, job.finishedAt, job.id);
    },
  };
}
