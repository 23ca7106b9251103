export const SPLIT_NAMES = ['train', 'val', 'test'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];

/** Keep each group (patient, lot) inside one split, or treat every image on its own. */
export type SplitGrouping = 'patient' | 'none';

export interface SplitSettings {
  /** Fractions of train, val and test; they sum to 1. */
  ratios: [number, number, number];
  seed: number;
  groupBy: SplitGrouping;
}

export interface SplitPart {
  images: number;
  /** Distinct groups (an image without a group id counts as its own group). */
  groups: number;
  /** Images in this split that have no main-task label (they follow their group). */
  unlabeled: number;
}

/** Per-split counts: what `splits.create` did, or what `splits.report` finds now. */
/** A split placed image by image by a file (a label CSV's split column) rather than by splits.create's ratios. */
export interface FileSplit {
  kind: 'file';
  /** The file's name, e.g. "labels.csv". */
  file: string;
  /** When the file's splits were applied. */
  at: string;
  /** Images the file placed (or found already where it said). */
  images: number;
  /** Groups (patients) whose included images are in more than one split now. */
  leakingGroups: number;
}

export interface SplitReport {
  /** The settings of the last `splits.create` (null when the splits were never created). */
  settings: SplitSettings | null;
  /** Set when the current split came from a file (applied after any splits.create); null otherwise. */
  fromFile: FileSplit | null;
  locked: boolean;
  parts: Record<SplitName, SplitPart>;
  /** Achieved fraction of assigned images per split. */
  achieved: Record<SplitName, number>;
  /** Main-task classes with image counts per split. */
  classes: { classId: number; name: string; counts: Record<SplitName, number> }[];
  /** Included images left without a split: groups in which no image has a main-task label yet. */
  unassigned: number;
  /** Excluded images (they get no split, except locked test images, which stay locked in test). */
  excluded: number;
  /** Test images that are locked. */
  lockedTest: number;
  /** When the current splits were made (null: never). Runs and evaluations older than this used an older split. */
  createdAt: string | null;
  /** What the split cannot do as it is (an empty validation or test set), each with what to do; empty when fine. */
  warnings: string[];
}

/** A run made on the current split: re-splitting leaves its results computed on an older one. */
export interface SplitUser {
  id: number;
  name: string;
  status: string;
  createdAt: string;
}

export interface GroupLeak {
  groupId: string;
  counts: Record<SplitName, number>;
}

export interface DuplicateLeak {
  /** Images with the same pixels (same hash or linked by duplicateOf), with their splits. */
  images: { id: number; split: SplitName }[];
}

export interface NearLeak {
  a: { id: number; split: SplitName };
  b: { id: number; split: SplitName };
  distance: number;
}

/** Ways information from one split can reach another. Empty lists mean no leak was found. */
export interface LeakageReport {
  groups: GroupLeak[];
  exact: DuplicateLeak[];
  /** At most 1,000 pairs; `nearTotal` counts them all. */
  near: NearLeak[];
  nearTotal: number;
  nearThreshold: number;
  /** Images with a split whose perceptual hash is not known (not checked for near duplicates). */
  withoutPhash: number;
}
