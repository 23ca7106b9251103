import type { RunConfig } from '../domain/run.ts';

/**
 * The model host's side of a PyTorch job (jobExport, jobImport; issue 18): the job folder's model
 * spec and what comes back. The engine writes the rest of the folder (engine/scale-out/).
 */
export interface JobExportArgs {
  /** The resolved run the job reproduces (the plan's config). */
  config: RunConfig;
  /** The folder (absolute; the engine owns its life) that gets initial.safetensors and preprocessing.json. */
  dir: string;
}

/** Which parameters train, and which BatchNorm groups update their statistics, in one epoch (1-based). */
export interface JobEpoch {
  epoch: number;
  trainableGroups: string[];
  bnTrainGroups: string[];
  trainParams: string[];
}

/** What config.json carries about the model, as the app's ParamSet rules decide it. */
export interface JobModelSpec {
  /** Files written into the folder. */
  files: string[];
  schedule: JobEpoch[];
  /** Each trained parameter's group. */
  paramGroups: Record<string, string>;
  /** Parameters without weight decay (biases, norms, the backbone's exceptions). */
  noDecay: string[];
  /** Peak LR per group that trains. */
  learningRates: Record<string, number>;
  /** LoRA on q and v (rank, alpha / rank); null for the other strategies. */
  lora: { rank: number; scale: number } | null;
  /** Bottleneck adapters: the hooked group outputs (ResNet stages, ViT blocks) with [channels, bottleneck]; null for the other strategies. */
  adapters: JobAdapters | null;
  /** The auxiliary task (head aux_head.* on the pre-logits features, α(t) or learned weights multitask.log_vars); null without. */
  aux: JobAux | null;
  /** The augmentation the app's trainer would apply (its defaults spelled out), or null without. */
  augment: Record<string, number | boolean> | null;
}

/** x + up(act(down(x))) on the channels of each site's output; the tensors are adapters.<site>.down.weight [c, r] … in the app's layout. */
export interface JobAdapters {
  activation: 'relu' | 'gelu';
  sites: Record<string, [channels: number, bottleneck: number]>;
}

/** L = L_main + α(t)·L_aux (masked to the images with an auxiliary label), or learned uncertainty weighting. */
export interface JobAux {
  numClasses: number;
  multiLabel: boolean;
  schedule: 'constant' | 'linear-decay' | 'cosine' | 'uncertainty';
  /** α0 of the fixed schedules. */
  alpha: number;
}

/** The app's training-loop state a converted checkpoint records. */
export interface JobLoopState {
  epoch: number;
  bestLoss: number;
  /** 0-based. */
  bestEpoch: number;
  badEpochs: number;
}

export interface JobImportArgs {
  config: RunConfig;
  /** train.py's best and last weights (absolute, timm names). */
  best: string;
  last: string;
  /** 1-based epochs of those weights; equal when the last epoch was the best (one file is written). */
  bestEpoch: number;
  lastEpoch: number;
  loop: JobLoopState;
  /** A new folder (absolute) for the app's checkpoint files; the engine moves it into place and records it. */
  outDir: string;
}

export interface JobImported {
  /** File names in outDir. */
  bestFile: string;
  lastFile: string;
  trainableParams: number;
  totalParams: number;
}
