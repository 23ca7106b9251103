import type { EngineClient } from '../../../../shared/contract/index.ts';
import { type CountsDelta, applyToProjectCounts } from '../../../../shared/domain/counts.ts';
import type { ProjectInfo, RecentProject } from '../../../../shared/domain/project.ts';
import { EngineError } from '../../../../shared/contract/errors.ts';

/** The open project as the UI sees it, kept current by `project.changed`. */
export class ProjectState {
  info = $state<ProjectInfo | null>(null);
  recent = $state<RecentProject[]>([]);
  busy = $state(false);
  /** Set once the engine has answered which project is open (null before could mean either). */
  loaded = $state(false);
  readonly isOpen = $derived(this.info !== null);
  /** Bumped by every change we learn of, so a slow `project.info` answer cannot overwrite a newer one. */
  private version = 0;

  constructor(
    private readonly client: EngineClient,
    private readonly onError: (e: unknown) => void,
    /** The project the window showed before a reload: opened again if the engine has none open. */
    private resumeDir: string | null = null,
  ) {}

  /** Subscribe to changes and load the current state; returns the unsubscribe function. */
  start(): () => void {
    const offs = [
      this.client.on('project.changed', (info) => {
        const before = this.info;
        this.version++;
        this.info = info;
        // The recent list changes when a project is opened, created or renamed, not when its counts move.
        if (info?.dir !== before?.dir || info?.name !== before?.name) void this.loadRecent();
      }),
      // Label keys and exclusions carry their count deltas instead of a project.changed (a recount).
      this.client.on('labels.changed', (e) => this.applyDelta(e.counts)),
      this.client.on('images.excluded', (e) => this.applyDelta(e.counts)),
    ];
    void this.refresh();
    return () => offs.forEach((off) => off());
  }

  /** The header's counts after a write of any client (this state sees no write's answer, only events). */
  private applyDelta(delta: CountsDelta | undefined): void {
    if (!delta || !this.info) return;
    this.version++;
    this.info = { ...this.info, counts: applyToProjectCounts(this.info.counts, delta) };
  }

  async refresh(): Promise<void> {
    const version = this.version;
    try {
      const info = await this.client.invoke('project.info', {});
      if (version === this.version) this.info = info;
    } catch (e) {
      // No open project is the normal start in browser mode without a folder: show the Projects view.
      if (e instanceof EngineError && e.code === 'not-found') {
        if (version === this.version) this.info = null;
      } else this.onError(e);
    }
    const resume = this.resumeDir;
    this.resumeDir = null;
    if (resume && !this.info && version === this.version) await this.open(resume);
    this.loaded = true;
    await this.loadRecent();
  }

  async loadRecent(): Promise<void> {
    try {
      this.recent = await this.client.invoke('project.recent', {});
    } catch (e) {
      this.onError(e);
    }
  }

  create(dir: string, name?: string): Promise<boolean> {
    return this.run(async () => {
      this.info = await this.client.invoke('project.create', name ? { dir, name } : { dir });
    });
  }

  open(dir: string): Promise<boolean> {
    return this.run(async () => {
      this.info = await this.client.invoke('project.open', { dir });
    });
  }

  /** A new sample project (synthetic chest X-rays), opened at once; its images arrive through an import job. */
  createSample(): Promise<boolean> {
    return this.run(async () => {
      this.info = (await this.client.invoke('demo.create', {})).project;
    });
  }

  rename(name: string): Promise<boolean> {
    return this.run(async () => {
      this.info = await this.client.invoke('project.rename', { name });
    });
  }

  close(): Promise<boolean> {
    return this.run(async () => {
      await this.client.invoke('project.close', {});
      this.info = null;
    });
  }

  private async run(action: () => Promise<void>): Promise<boolean> {
    this.version++;
    this.busy = true;
    try {
      await action();
      return true;
    } catch (e) {
      this.onError(e);
      return false;
    } finally {
      this.busy = false;
    }
  }
}
