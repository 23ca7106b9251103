import type { ImageCounts } from './images.ts';
import type { LabelTask } from './labels.ts';
import type { ProjectCounts } from './project.ts';
import type { SplitName } from './splits.ts';

/**
 * How one write moved the counts, worked out from the rows it changed (never a recount): add each
 * number to the count the UI holds. Entries that did not move are left out.
 */
export interface CountsDelta {
  /** Images in the counted set; moves only when images enter or leave a filter. */
  total: number;
  /** Within a filter: images entering or leaving its class facet (ImageCounts.anyClass); absent, `total` is it. */
  anyClass?: number;
  /** Images per class id, every task (ImageCounts.perClass, LabelClass.count). */
  perClass: Record<number, number>;
  /** Images without a main-task label. */
  unlabeled: number;
  excluded: number;
  perSplit: Partial<Record<SplitName | 'none', number>>;
  /** Images with at least one class, per task id (LabelTask.labelled). */
  labelledPerTask: Record<number, number>;
}

/** What a label or exclusion write answers besides its own result. */
export interface CountsMoved {
  /** Over the whole project: for the label sets, the project header and clients without a filter. */
  counts: CountsDelta;
  /** Within the filter the caller named; absent when it named none (then `counts` is the delta). */
  filtered?: CountsDelta;
}

export const emptyDelta = (): CountsDelta => ({ total: 0, perClass: {}, unlabeled: 0, excluded: 0, perSplit: {}, labelledPerTask: {} });

/** The sidebar counts of a filter after a write, given the delta within that filter. */
export function applyToImageCounts(counts: ImageCounts, d: CountsDelta): ImageCounts {
  const perClass = { ...counts.perClass };
  for (const [id, n] of Object.entries(d.perClass)) perClass[Number(id)] = (perClass[Number(id)] ?? 0) + n;
  const perSplit = { ...counts.perSplit };
  for (const [split, n] of Object.entries(d.perSplit) as [SplitName | 'none', number][]) perSplit[split] += n;
  return {
    total: counts.total + d.total,
    anyClass: counts.anyClass + (d.anyClass ?? d.total),
    perClass,
    unlabeled: counts.unlabeled + d.unlabeled,
    excluded: counts.excluded + d.excluded,
    perSplit,
  };
}

/** Class counts and labelled images of every label set after a write (a whole-project delta). */
export function applyToTasks(tasks: LabelTask[], d: CountsDelta): LabelTask[] {
  return tasks.map((t) => ({
    ...t,
    labelled: t.labelled + (d.labelledPerTask[t.id] ?? 0),
    classes: t.classes.map((c) => (d.perClass[c.id] ? { ...c, count: c.count + d.perClass[c.id] } : c)),
  }));
}

/** The project header's counts after a write (a whole-project delta; writes never add images). */
export function applyToProjectCounts(counts: ProjectCounts, d: CountsDelta): ProjectCounts {
  // Labelled means "has a main-task label", the complement of unlabeled while the image total stands.
  return { ...counts, labelled: counts.labelled - d.unlabeled + d.total, excluded: counts.excluded + d.excluded };
}
