import type { RunConfig } from '../../../shared/domain/run.ts';
import type { DataManifest } from '../../training/trainer/protocol.ts';

/**
 * What the coordinator hands a supervisor to start one trainer process. A leaf of its own, so that
 * coordinator.ts (which creates supervisors) and supervisor.ts (which runs them) do not import each other.
 */
export interface LaunchOptions {
  runId: number;
  config: RunConfig;
  manifest: DataManifest;
  resumeFrom: string | null;
  mode: 'train' | 'lr-find';
  lrFind?: { steps: number; minLr: number; maxLr: number };
}
