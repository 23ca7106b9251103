import type { JobRef } from '../domain/job.ts';
import type { BackendRung } from './system.ts';
import type { AlphaScheduleName, LrFindResult, ResizeMode, RunDetail, RunInfo, RunPlan, RunProgress, StrategyChoice } from '../domain/run.ts';

/** What the user chooses for a run; everything else is resolved by `runs.plan`. */
export interface RunOptions {
  backbone: string;
  /** timm safetensors weights file to start from. */
  weights?: string;
  /** Start from the backbone's pretrained weights in the local weights cache. */
  pretrained?: boolean;
  strategy?: StrategyChoice;
  epochs?: number;
  imageSize?: number;
  /** Peak rate of the new parts (head, LoRA, adapters); the pretrained body learns a tenth of it. */
  lr?: number;
  /** Peak rate of the pretrained body's top group, when it should not be a tenth of `lr`. */
  bodyLr?: number;
  batchSize?: number;
  layerDecay?: number;
  weightDecay?: number;
  labelSmoothing?: number;
  /** Class weighting: 'auto' (on when imbalanced, the default), 'on' or 'off'. */
  classWeights?: 'auto' | 'on' | 'off';
  augment?: boolean;
  horizontalFlip?: boolean;
  /** How images become square: 'crop' (centre crop, the default) or 'pad' (keep the whole image, pad to square). */
  resize?: ResizeMode;
  patience?: number;
  /** An LR range test before training where it is cheap (default); false: the rule's rates. A given `lr` turns it off. */
  lrSearch?: boolean;
  /** gradual: epochs between unfreezing steps (default: spread so the share is reached by mid-run). */
  gradualEvery?: number;
  /** gradual: share of the backbone unfrozen from the top, block by block (default 0.5, the guide's upper bound). */
  unfreezeShare?: number;
  /** Use the auxiliary label set (when the project has one) with this α(t) schedule. */
  auxSchedule?: AlphaScheduleName;
  auxAlpha?: number;
  seed?: number;
  /** Backend rung: tfjs-node-gpu, tfjs-node, wasm or cpu. */
  backend?: string;
  name?: string;
}

/** Start exactly what `runs.plan` answered (its `planId`), or resolve options afresh. */
export type StartArgs = RunOptions | { planId: string; name?: string };

export interface RunHandlers {
  /** Resolve a run before starting it: strategy (and why), trainable parameters and share, LRs, data counts. */
  'runs.plan': (a: RunOptions) => Promise<RunPlan>;
  /** Start training in a model host, from a plan of `runs.plan` or from options; progress arrives as `run.progress` events. */
  'runs.start': (a: StartArgs) => Promise<{ runId: number; jobId: string }>;
  /** Pause a running run after its current step. */
  'runs.pause': (a: { runId: number }) => Promise<RunInfo>;
  /** Continue a paused run, or restart a failed / interrupted one from its last checkpoint (on another backend when `backend` is given). */
  'runs.resume': (a: { runId: number; backend?: BackendRung }) => Promise<{ runId: number; jobId: string }>;
  /** Stop a run; its checkpoints so far are kept. */
  'runs.cancel': (a: { runId: number }) => Promise<RunInfo>;
  /** Every run of the project, newest first. */
  'runs.list': (a: Record<string, never>) => Promise<RunInfo[]>;
  /** One run with its per-epoch metrics and checkpoints. */
  'runs.get': (a: { runId: number }) => Promise<RunDetail>;
  /** LR range test (exponentially growing LR over a few steps); the job's result is an LrFindResult. */
  'runs.lrFind': (a: RunOptions & { steps?: number; minLr?: number; maxLr?: number }) => Promise<JobRef>;
}

/** What `runs.exportJob` wrote (its job's result): the folder, its files and the commands to run there. */
export interface JobFolder {
  dir: string;
  files: string[];
  trainImages: number;
  valImages: number;
  /** Shell commands, in order: run the job (one process, or N ranks under torchrun), then import it. */
  commands: string[];
}

/** Train elsewhere (issue 18): PyTorch job folders on the engine's machine, for torchrun, SLURM or Ray. */
export interface ScaleOutHandlers {
  /** Write the run these options plan as a PyTorch job folder at `dir` (new or empty; a path on the engine's machine); the job's result is a JobFolder. */
  'runs.exportJob': (a: { options: RunOptions; dir: string; copy?: boolean }) => Promise<JobRef>;
  /** Register a finished job folder (a path on the engine's machine) as a completed run; the job's result is `{ runId }`. */
  'runs.importJob': (a: { dir: string }) => Promise<JobRef>;
}

export interface RunEvents {
  /** A run advanced (steps, epoch ends, pauses, the end). */
  'run.progress': RunProgress;
}

export type { LrFindResult };
