import type { RunConfig } from '../../../shared/domain/run.ts';
import type { DataManifest } from '../../../shared/contract/model-host.ts';

/**
 * What the coordinator hands a supervisor to start one training request on a model host. A leaf of
 * its own, so that coordinator.ts (which creates supervisors) and supervisor.ts (which runs them) do
 * not import each other.
 */
export interface LaunchOptions {
  runId: number;
  config: RunConfig;
  manifest: DataManifest;
  resumeFrom: string | null;
  mode: 'train' | 'lr-find';
  lrFind?: { steps: number; minLr: number; maxLr: number };
  /** The plan's parameter counts: the host must build exactly this model, or the run stops. */
  expected?: { trainableParams: number; totalParams: number };
}
