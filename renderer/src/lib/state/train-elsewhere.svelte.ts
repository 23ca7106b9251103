import type { EngineClient } from '../../../../shared/contract/index.ts';
import type { JobFolder, RunOptions } from '../../../../shared/contract/runs.ts';
import { EngineError } from '../../../../shared/contract/errors.ts';

/**
 * "Train elsewhere…": write the planned run as a PyTorch job folder (a path on the engine's
 * machine), show the commands that run it, and import the finished folder as a run.
 */
export class TrainElsewhereState {
  exportDir = $state('');
  importDir = $state('');
  copy = $state(false);
  busy = $state<'export' | 'import' | null>(null);
  folder = $state<JobFolder | null>(null);
  importedRunId = $state<number | null>(null);

  constructor(
    private readonly client: EngineClient,
    private readonly onError: (e: unknown) => void,
  ) {}

  async exportJob(options: RunOptions): Promise<void> {
    const result = await this.runJob('export', () => this.client.invoke('runs.exportJob', { options, dir: this.exportDir, copy: this.copy }));
    if (!result) return;
    this.folder = result as JobFolder;
    // The folder just written is the one that comes back once it has run.
    if (!this.importDir) this.importDir = this.folder.dir;
  }

  /** Import the finished folder; returns the new run's id (null when it failed, after reporting why). */
  async importJob(): Promise<number | null> {
    const result = await this.runJob('import', () => this.client.invoke('runs.importJob', { dir: this.importDir }));
    this.importedRunId = result ? (result as { runId: number }).runId : null;
    return this.importedRunId;
  }

  private async runJob(kind: 'export' | 'import', start: () => Promise<{ jobId: string }>): Promise<unknown> {
    this.busy = kind;
    try {
      const job = await this.client.invoke('job.wait', await start());
      if (job.status !== 'completed') throw new EngineError((job.error?.code as never) ?? 'internal', job.error?.message ?? `The job ${kind} ${job.status}.`);
      return job.result;
    } catch (e) {
      this.onError(e);
      return null;
    } finally {
      this.busy = null;
    }
  }
}
