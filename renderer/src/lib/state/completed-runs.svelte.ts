import type { EngineClient } from '../../../../shared/contract/index.ts';
import type { RunInfo } from '../../../../shared/domain/run.ts';

/**
 * A view that works on one completed run (Evaluate, the model-assisted queue): the project's runs,
 * the chosen one, and loading them, choosing the newest completed run when none is chosen yet.
 */
export abstract class CompletedRunsState {
  runs = $state<RunInfo[]>([]);
  runId = $state<number | null>(null);
  readonly completed = $derived(this.runs.filter((r) => r.status === 'completed'));

  constructor(
    protected readonly client: EngineClient,
    protected readonly onError: (e: unknown) => void,
  ) {}

  /** Make `runId` the chosen run and load what the view shows of it. */
  abstract select(runId: number): Promise<void>;

  async loadRuns(): Promise<void> {
    try {
      this.runs = await this.client.invoke('runs.list', {});
      if (this.runId === null && this.completed.length) await this.select(this.completed[0].id);
    } catch (e) {
      this.onError(e);
    }
  }
}
