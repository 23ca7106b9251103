import type { EngineErrorData } from './errors.ts';
import type { ExportFormat, ParityCheck } from '../domain/export.ts';
import type { DoctorReport } from './system.ts';
import type { LrFindPoint, RunConfig, RunPlan } from '../domain/run.ts';
import type { InferenceRuntime } from '../domain/runtime.ts';
import type { RunOptions } from './runs.ts';
import type { JobExportArgs, JobModelSpec, JobImportArgs, JobImported } from './model-host-jobs.ts';

/**
 * The protocol between the engine and the model host, the only process that loads TensorFlow
 * (child_process IPC, advanced serialization). The engine sends requests with ids; the host answers
 * each with one `result` or `error` and may send `event`s for it before. The host never writes the
 * database: it reports, the engine records. `HostMethods` maps each method to its arguments, result
 * and events; the engine's client (engine/host/) and the host's services are typed from it.
 */
export interface HostMethods {
  /** Fine-tune (or run the LR range test on) a backbone; epoch ends wait for `checkpointRecorded`. */
  train: { args: TrainArgs; result: TrainResult; event: TrainEvent };
  /** A run's checkpoint on images: one probability row per image, in the order given, and the runtime that ran them. */
  predict: { args: PredictArgs; result: { probs: number[][]; runtime: InferenceRuntime }; event: WorkEvent };
  /** An ONNX (onnxruntime) or TF.js export folder on image files or folders (`labeltune predict`). */
  predictExport: { args: { dir: string; paths: string[] }; result: ExportPredictions; event: WorkEvent };
  /** A backbone with imported weights on a .npy batch (`labeltune forward`). */
  forward: { args: ForwardArgs; result: ForwardResult; event: never };
  /** Grad-CAM of one image (the host keeps the last model loaded for the next image). */
  gradcam: { args: GradCamArgs; result: GradCamMaps; event: never };
  /** Write a run's checkpoint in an export format into a folder, and check parity on held-out images. */
  export: { args: ExportModelArgs; result: ExportedModel; event: WorkEvent };
  /** Every backend rung checked for real, in the runtime that trains (`labeltune doctor`). */
  doctor: { args: Record<string, never>; result: DoctorReport; event: never };
  /** Resolve a run's options against the project's data into its config and plan (counts, LRs, estimate). */
  plan: { args: PlanArgs; result: RunPlan; event: never };
  /** Check a .safetensors file against an architecture's layout (every tensor, shape, dtype, finite) before it enters the weight cache. */
  checkWeights: { args: { path: string; arch: string }; result: null; event: never };
  /** The model side of a PyTorch job folder: initial weights, preprocessing and the per-epoch training schedule. */
  jobExport: { args: JobExportArgs; result: JobModelSpec; event: never };
  /** A finished PyTorch job's best and last weights, checked and written as the app's checkpoint files. */
  jobImport: { args: JobImportArgs; result: JobImported; event: never };
}

export type HostMethod = keyof HostMethods;
export type HostArgs<M extends HostMethod> = HostMethods[M]['args'];
export type HostResult<M extends HostMethod> = HostMethods[M]['result'];
export type HostEvent<M extends HostMethod> = HostMethods[M]['event'];

/** A progress report of a job that is not training: how far, and in words. */
export interface WorkEvent {
  type: 'work';
  done: number;
  total: number;
  message: string;
}

export type HostRequest = { [M in HostMethod]: { type: 'request'; id: number; method: M; args: HostArgs<M> } }[HostMethod];

export type EngineToHost =
  | HostRequest
  /** Stop request `id` at its next safe point; it then answers with a `cancelled` error. */
  | { type: 'cancel'; id: number }
  /** Training only: pause and resume between steps, and the engine's answer to `epochEnd`. */
  | { type: 'control'; id: number; control: TrainControl };

export type HostToEngine =
  | { type: 'event'; id: number; event: HostEvent<HostMethod> }
  | { type: 'result'; id: number; result: HostResult<HostMethod> }
  | { type: 'error'; id: number; error: EngineErrorData };

// ---- train ----

/** One image the host reads itself: its file, and targets as class indices. */
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

export interface TrainArgs {
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
 * files (absolute) no longer are, so the host may delete them now and not before.
 */
export interface CheckpointRecorded {
  type: 'checkpointRecorded';
  /** 0-based epoch of the recorded checkpoint (as in EpochMetrics). */
  epoch: number;
  prune: string[];
}

export type TrainControl = CheckpointRecorded | { type: 'pause' } | { type: 'resume' };

/** The metrics of one finished epoch (the training loop's EpochMetrics, as they travel). */
export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  valLoss: number;
  valAccuracy: number;
  valAuc: number | null;
  /** Single-label only: mean per-class recall. */
  valBalancedAccuracy: number | null;
  alpha: number | null;
  imagesPerSec: number;
  learningRates: Record<string, number>;
  /** Groups whose parameters trained in this epoch. */
  trainableGroups: string[];
  /** Number of leading groups served from the feature cache (0: none). */
  cachedPrefix: number;
  isBest: boolean;
}

export interface StepInfo {
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  loss: number;
  learningRates: Record<string, number>;
  imagesPerSec: number;
}

/** Why a run ended before its last epoch. */
export interface StopReason {
  kind: 'early-stop' | 'non-finite';
  message: string;
}

export interface BackendInfo {
  backend: string;
  /** Why each higher rung was not taken. */
  report: unknown;
}

/** The model as the host built it: what the engine records as the run's parameter counts. */
export interface PlanInfo {
  trainableParams: number;
  totalParams: number;
  groups: string[];
}

export type TrainEvent =
  | { type: 'ready'; backend: BackendInfo; plan: PlanInfo }
  | { type: 'loading'; done: number; total: number }
  /** The frozen-feature pass before training (onnxruntime), image by image. */
  | { type: 'features'; done: number; total: number }
  | { type: 'progress'; step: StepInfo; epochs: number; alpha: number | null; etaSeconds: number | null }
  | { type: 'epochEnd'; metrics: EpochMetrics; checkpoint: string; isBest: boolean }
  | { type: 'paused' }
  | { type: 'resumed' }
  /** The automatic range test before training (RunConfig.lrSearch): a step, then its outcome. */
  | { type: 'lrSearching'; step: number; steps: number; point: LrFindPoint }
  | { type: 'lrSearched'; suggestion: number; lr: number; bodyLr: number };

export type TrainResult =
  | {
      type: 'finished';
      stoppedEarly: boolean;
      bestEpoch: number | null;
      stop: StopReason | null;
      /** The runtime that computed the cached frozen features (and why); null when none were computed up front. */
      featureRuntime: InferenceRuntime | null;
    }
  | { type: 'lrFindDone'; curve: LrFindPoint[]; suggestion: number };

// ---- predict, predictExport, forward ----

/** An image to run a model on. */
export interface InferenceImage {
  id: number;
  path: string;
  frame: number;
}

/** A run's model: its config (preprocessing, classes, adapters) and the checkpoint file (absolute). */
export interface RunModelRef {
  runId: number;
  config: RunConfig;
  checkpoint: string;
}

export interface PredictArgs {
  model: RunModelRef;
  images: InferenceImage[];
  batchSize?: number;
  /** Progress messages name this phase, e.g. "Predicting". */
  verb?: string;
}

export interface ExportPredictions {
  classes: string[];
  multiLabel: boolean;
  /** One row per image file: its probabilities, or why it has none (unreadable, not finite). */
  rows: { path: string; probs: number[] | null; error: string | null }[];
  /** The runtime that ran the export (onnxruntime for ONNX exports, TF.js for TF.js ones). */
  runtime: InferenceRuntime;
}

export interface ForwardArgs {
  arch: string;
  weights: string;
  input: string;
  logits: string;
  features?: string;
  batchSize?: number;
  /** Backend rung to prefer (LABELTUNE_BACKEND and the ladder otherwise). */
  backend?: string;
}

export interface ForwardResult {
  arch: string;
  backend: string;
  images: number;
  height: number;
  width: number;
  numClasses: number;
  featureDim: number;
  logits: { path: string; shape: number[] };
  features?: { path: string; shape: number[] };
  load: { loaded: number; adapted: string[] };
  seconds: number;
}

// ---- gradcam ----

export interface GradCamArgs {
  model: RunModelRef;
  image: InferenceImage;
  /** The class to explain; the predicted one when absent. */
  classIndex?: number;
  /** Also render the overlay PNG at this size (px). */
  overlaySize?: number;
}

/** A map of values in [0, 1], row-major. */
export interface CamGrid {
  width: number;
  height: number;
  values: number[];
}

export interface GradCamMaps {
  classIndex: number;
  probs: number[];
  /** At the feature resolution (ResNet: last stage; ViT: patch grid). */
  grid: CamGrid;
  /** Upsampled to the model's input size. */
  heatmap: CamGrid;
  /** The model's view of the image with the heatmap blended on (PNG), when asked. */
  overlay: Uint8Array | null;
}

// ---- export ----

export interface ExportModelArgs {
  model: RunModelRef;
  format: ExportFormat;
  /** The folder to write the model files into (absolute; the engine owns its life). */
  dir: string;
  /** Metadata written into the model files. */
  meta: Record<string, string>;
  /** Images the run did not train on, in order of preference; parity uses the first `heldOutLimit` that decode. */
  heldOut: InferenceImage[];
  heldOutLimit: number;
}

export interface ExportedModel {
  files: string[];
  /** The runtime the parity check ran the export with, and how a user loads it. */
  runtime: string;
  loading: string;
  parity: ParityCheck | null;
  /** The backend the in-app reference ran on. */
  backend: string;
  /** preprocessing.json's description of the input pipeline (without classes and layout). */
  preprocessing: Record<string, unknown>;
}

// ---- plan ----

/** What a run trains on, as the engine reads it from the project. */
export interface RunData {
  classes: string[];
  multiLabel: boolean;
  manifest: DataManifest;
  /** Train-split image count per class index. */
  trainCounts: number[];
  aux: { classes: string[]; multiLabel: boolean } | null;
}

export interface PlanArgs {
  opts: RunOptions;
  data: RunData;
  /** LabelTune's home folder (the pretrained weights cache). */
  homeDir: string;
  /**
   * The paces earlier runs of this backbone measured in the project (the engine reads them from its
   * database); the plan's duration uses the one of its strategy, image size and expected rung.
   */
  paces: PaceRecord[];
}

/** Training throughput measured by an earlier run on this machine. */
export interface MeasuredPace {
  runId: number;
  /** Median training images per second over that run's epochs. */
  imagesPerSec: number;
}

/** The pace measured for one backbone, strategy, image size and backend rung. */
export interface PaceRecord extends MeasuredPace {
  backbone: string;
  strategy: string;
  imageSize: number;
  backend: string;
}
