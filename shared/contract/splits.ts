import type { LeakageReport, SplitGrouping, SplitReport, SplitUser } from '../domain/splits.ts';

export interface CreateSplitsArgs {
  /** Fractions of train, val and test, summing to 1 (default 0.7, 0.15, 0.15). */
  ratios?: [number, number, number];
  /** Same seed and same data give the same split (default 0). */
  seed?: number;
  /** 'patient' (default): a group id never spans two splits. */
  groupBy?: SplitGrouping;
}

export interface SplitHandlers {
  /** Assign every included, labelled image with its group and its exact duplicates to train/val/test, stratified by main label. */
  'splits.create': (a: CreateSplitsArgs) => Promise<SplitReport>;
  /** The current splits: per-split image, group and class counts. */
  'splits.report': (a: Record<string, never>) => Promise<SplitReport>;
  /** Lock the test set (re-splitting keeps its images and their groups in test) or unlock it. */
  'splits.lock': (a: { locked: boolean }) => Promise<SplitReport>;
  /** The runs made since the current splits were created: re-splitting leaves their results on an older split (ask first). */
  'splits.usage': (a: Record<string, never>) => Promise<{ runs: SplitUser[] }>;
  /** Groups and exact / near duplicates that sit in more than one split. */
  'splits.leakage': (a: Record<string, never>) => Promise<LeakageReport>;
}
