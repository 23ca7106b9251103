import type { JobRef } from '../domain/job.ts';

/** One architecture of the pretrained catalog and the state of its weights on this machine. */
export interface WeightsEntry {
  /** timm name, e.g. `resnet50`. */
  arch: string;
  family: 'resnet' | 'vit';
  /** Hugging Face repo id and file the weights come from. */
  repo: string;
  file: string;
  url: string;
  paramsMillions: number;
  /** Forward GFLOPs of one image at `inputSize` (timm's model cards): the Train view's speed note. */
  gflops: number;
  featureDim: number;
  inputSize: number;
  /** sha256 the catalog pins, null where unknown. */
  expectedSha256: string | null;
  /** True when a verified copy is in the local weight cache. */
  cached: boolean;
  /** Of the cached copy (null when not cached). */
  sha256: string | null;
  size: number | null;
  source: 'download' | 'import' | null;
  path: string | null;
  /** Id of the `weights.download` job running for this arch right now, null when none. */
  downloadJob: string | null;
}

/** Result of a finished `weights.download` job. */
export interface WeightsDownloadResult extends WeightsEntry {
  /** The file was already cached: nothing was transferred. */
  alreadyCached: boolean;
  /** Part of the file came from an earlier, interrupted download. */
  resumed: boolean;
}

export interface WeightsImportResult extends WeightsEntry {
  /** null when the catalog pins no sha256; false when the file is another version than the catalog's. */
  matchesCatalog: boolean | null;
}

export interface WeightsHandlers {
  /** The pretrained catalog, with which weights are already in the local cache. */
  'weights.list': (a: Record<string, never>) => Promise<WeightsEntry[]>;
  /** Download an architecture's pretrained weights into the cache (a job; resumes an interrupted download). */
  'weights.download': (a: { arch: string; endpoint?: string }) => Promise<JobRef>;
  /** Copy a .safetensors file the user already has into the cache as `arch`'s weights (offline machines). */
  'weights.import': (a: { path: string; arch: string }) => Promise<WeightsImportResult>;
}
