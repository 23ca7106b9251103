import type { LrFindPoint, RunConfig } from '../../../shared/domain/run.ts';
import type { EpochMetrics, StepInfo, StopReason } from '../finetune/loop.ts';

/**
 * The typed messages between the engine and the trainer child process (child_process IPC). The
 * trainer never touches the database: it reports, the engine records.
 */

/** One image the trainer reads itself: its file, and targets as class indices. */
export interface ManifestItem {
  id: number;
  path: string;
  frame: number;
  /** Main-task class indices (one for single-label, any number for multi-label). */
  classes: number[];
  /** Auxiliary-task class indices, or null when the image has no auxiliary label. */
  aux: number[] | null;
}

export interface DataManifest {
  train: ManifestItem[];
  val: ManifestItem[];
}

export interface StartMessage {
  type: 'start';
  mode: 'train' | 'lr-find';
  runId: number;
  config: RunConfig;
  manifest: DataManifest;
  /** Absolute folder for this run's checkpoints. */
  checkpointDir: string;
  /** The project's cache folder (decoded pixels, frozen-prefix features). */
  cacheDir: string;
  /** Checkpoint to resume from (absolute), or null. */
  resumeFrom: string | null;
  /** lr-find only. */
  lrFind?: { steps: number; minLr: number; maxLr: number };
}

/**
 * The engine's answer to `epochEnd`: the checkpoint is in the database, and these older checkpoint
 * files (absolute) no longer are, so the trainer may delete them now and not before.
 */
export interface CheckpointRecorded {
  type: 'checkpointRecorded';
  /** 0-based epoch of the recorded checkpoint (as in EpochMetrics). */
  epoch: number;
  prune: string[];
}

export type EngineToTrainer = StartMessage | CheckpointRecorded | { type: 'pause' } | { type: 'resume' } | { type: 'cancel' };

export interface BackendInfo {
  backend: string;
  /** Why each higher rung was not taken. */
  report: unknown;
}

export interface PlanInfo {
  trainableParams: number;
  totalParams: number;
  groups: string[];
}

export type TrainerToEngine =
  | { type: 'ready'; backend: BackendInfo; plan: PlanInfo }
  | { type: 'loading'; done: number; total: number }
  | { type: 'progress'; step: StepInfo; epochs: number; alpha: number | null; etaSeconds: number | null }
  | { type: 'epochEnd'; metrics: EpochMetrics; checkpoint: string; isBest: boolean }
  | { type: 'paused' }
  | { type: 'resumed' }
  | { type: 'finished'; stoppedEarly: boolean; bestEpoch: number | null; stop: StopReason | null }
  | { type: 'lrFindDone'; curve: LrFindPoint[]; suggestion: number }
  /** The automatic range test before training (RunConfig.lrSearch): a step, then its outcome. */
  | { type: 'lrSearching'; step: number; steps: number; point: LrFindPoint }
  | { type: 'lrSearched'; suggestion: number; lr: number; bodyLr: number }
  | { type: 'cancelled' }
  | { type: 'failed'; reason: string; code: string };
