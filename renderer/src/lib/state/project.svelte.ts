import type { EngineClient } from '../../../../shared/contract/index.ts';
import type { ProjectInfo, RecentProject } from '../../../../shared/domain/project.ts';
import { EngineError } from '../../../../shared/contract/errors.ts';

/** The open project as the UI sees it, kept current by `project.changed`. */
export class ProjectState {
  info = $state<ProjectInfo | null>(null);
  recent = $state<RecentProject[]>([]);
  busy = $state(false);
  readonly isOpen = $derived(this.info !== null);
  /** Bumped by every change we learn of, so a slow `project.info` answer cannot overwrite a newer one. */
  private version = 0;

  constructor(
    private readonly client: EngineClient,
    private readonly onError: (e: unknown) => void,
  ) {}

  /** Subscribe to changes and load the current state; returns the unsubscribe function. */
  start(): () => void {
    const off = this.client.on('project.changed', (info) => {
      this.version++;
      this.info = info;
      void this.loadRecent();
    });
    void this.refresh();
    return off;
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
