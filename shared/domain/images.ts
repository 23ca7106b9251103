import type { LabelSource, ModelLabel } from './labels.ts';
import type { SplitName } from './splits.ts';

/** Which duplicates to show: same pixels, perceptually similar, or either. */
export type DuplicateKind = 'exact' | 'near' | 'any';

/** Filters of the image browser; every field narrows the result (AND). */
export interface ImageFilter {
  /** Images with any of these classes (main or aux task). */
  classIds?: number[];
  /** true: images without a main-task label; false: images with one. */
  unlabeled?: boolean;
  /** A split, or 'none' for images without one. */
  split?: SplitName | 'none';
  /** Images with a label of this source (e.g. 'model': guesses accepted from a run). */
  labelSource?: LabelSource;
  /** true: only excluded images; false: only included ones; omitted: both. */
  excluded?: boolean;
  groupId?: string;
  duplicates?: DuplicateKind;
  /** Case-insensitive substring of the path or the group id. */
  search?: string;
}

export type ImageSort = 'id' | 'path' | 'imported' | 'group';

/** One row of the image browser. */
export interface ImageSummary {
  id: number;
  path: string;
  width: number;
  height: number;
  format: string;
  bitDepth: number;
  groupId: string | null;
  excluded: boolean;
  split: SplitName | null;
  /** Class ids of every task (class ids are unique across tasks). */
  labels: number[];
  /** Present when a label was accepted from a model's guess: the grid marks the tile. */
  fromModel?: ModelLabel;
  duplicateOf: number | null;
}

/** Everything the engine knows about one image. */
export interface ImageDetail extends ImageSummary {
  hash: string;
  fileHash: string | null;
  phash: string | null;
  frame: number;
  copied: boolean;
  channels: number;
  modality: string | null;
  window: { center: number; width: number } | null;
  metadata: Record<string, unknown>;
  excludeReason: string | null;
  importedAt: string;
  /** True when the image sits in a locked test set. */
  splitLocked: boolean;
  /** Other images with the same decoded pixels (same hash or linked by duplicateOf). */
  exactDuplicates: number[];
}

/**
 * The spread of an image's stored values (Hounsfield units for CT, raw samples otherwise): what the
 * viewer's percentile presets (full range, soft, bone) are computed from.
 */
export interface PixelLevels {
  min: number;
  max: number;
  /** percentiles[k] is the k-th percentile, k = 0..100. */
  percentiles: number[];
}

/**
 * Counts for the sidebar, faceted: `total` is what the whole filter shows; each menu's counts keep
 * every other filter but drop its own, so an option's count is what choosing it would show (with
 * the class filter on, the other classes still count; with "train" chosen, val and test still do).
 */
export interface ImageCounts {
  /** Images matching the whole filter (the grid). */
  total: number;
  /** Images matching every filter but the class one (classIds / unlabeled): the class menu's "All". */
  anyClass: number;
  /** Images per class id (main and aux), without the class filter. */
  perClass: Record<number, number>;
  /** Images without a main-task label, without the class filter. */
  unlabeled: number;
  /** Excluded images, without the excluded filter. */
  excluded: number;
  /** Images per split, without the split filter. */
  perSplit: Record<SplitName | 'none', number>;
}
