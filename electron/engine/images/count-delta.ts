import { type CountsDelta, type CountsMoved, emptyDelta } from '../../../shared/domain/counts.ts';
import type { ImageFilter } from '../../../shared/domain/images.ts';
import type { SplitName } from '../../../shared/domain/splits.ts';
import type { Database } from '../db/database.ts';
import { findTask } from '../labels/tasks.ts';
import { type FilterSql, facetFilters, filterSql } from './query.ts';

/** Runs a write of these images; a count delta reads them before and after it. */
export type CountAround = <T>(imageIds: number[], write: () => T) => T;

/** Which of the sidebar's counts an image is inside (see facetFilters): the whole filter, and each menu's facet. */
interface Membership {
  inFilter: boolean;
  anyClass: boolean;
  anySplit: boolean;
  anyExcluded: boolean;
}

const OUTSIDE: Membership = { inFilter: false, anyClass: false, anySplit: false, anyExcluded: false };

/** What one image adds to the counts. */
interface Contribution {
  within: Membership;
  excluded: boolean;
  split: SplitName | null;
  /** [taskId, classId] of every label. */
  labels: [number, number][];
}

const hasKeys = (filter: ImageFilter | undefined): filter is ImageFilter =>
  filter !== undefined && Object.values(filter).some((v) => v !== undefined);

/**
 * The counts delta of a write, from the rows it touched only: each written image is read (by
 * primary key and the labels index) just before and just after the write, in the write's own
 * transaction, and its contribution to every count is subtracted and added back. A per-key cost of
 * a few rows, where a recount reads the whole project.
 */
export class CountDelta {
  private readonly all = emptyDelta();
  private readonly within: CountsDelta | null;
  /** The whole filter and each facet's, when a filter was named. */
  private readonly filter: { all: FilterSql; anyClass: FilterSql; anySplit: FilterSql; anyExcluded: FilterSql } | null;
  private readonly mainTask: number | undefined;

  constructor(
    private readonly db: Database,
    filter?: ImageFilter,
  ) {
    this.mainTask = findTask(db, 'main')?.id;
    if (hasKeys(filter)) {
      const facet = facetFilters(filter);
      const sql = (f: ImageFilter) => filterSql(db, f);
      this.filter = { all: sql(filter), anyClass: sql(facet.anyClass), anySplit: sql(facet.anySplit), anyExcluded: sql(facet.anyExcluded) };
    } else this.filter = null;
    this.within = this.filter ? { ...emptyDelta(), anyClass: 0 } : null;
  }

  /** Wrap a write of `imageIds` (call it inside the write's transaction). */
  readonly around: CountAround = (imageIds, write) => {
    if (imageIds.length === 0) return write();
    const ids = JSON.stringify(imageIds);
    const before = this.read(ids);
    const result = write();
    const after = this.read(ids);
    for (const c of before.values()) this.add(c, -1);
    for (const c of after.values()) this.add(c, 1);
    return result;
  };

  result(): CountsMoved {
    return this.within ? { counts: prune(this.all), filtered: prune(this.within) } : { counts: prune(this.all) };
  }

  private read(ids: string): Map<number, Contribution> {
    const rows = this.db
      .prepare('SELECT i.id, i.excluded, s.split FROM images i LEFT JOIN splits s ON s.image_id = i.id WHERE i.id IN (SELECT value FROM json_each(?))')
      .raw()
      .all(ids) as [number, number, SplitName | null][];
    const out = new Map<number, Contribution>(rows.map(([id, excluded, split]) => [id, { within: OUTSIDE, excluded: excluded === 1, split, labels: [] }]));
    const labels = this.db
      .prepare('SELECT image_id, task_id, class_id FROM labels WHERE image_id IN (SELECT value FROM json_each(?))')
      .raw()
      .all(ids) as [number, number, number][];
    for (const [imageId, taskId, classId] of labels) out.get(imageId)?.labels.push([taskId, classId]);
    if (this.filter) {
      const { all, anyClass, anySplit, anyExcluded } = this.filter;
      const rows = this.db
        .prepare(`SELECT i.id, ${all.where}, ${anyClass.where}, ${anySplit.where}, ${anyExcluded.where} FROM images i WHERE i.id IN (SELECT value FROM json_each(?))`)
        .raw()
        .all(...all.params, ...anyClass.params, ...anySplit.params, ...anyExcluded.params, ids) as [number, number, number, number, number][];
      for (const [id, inFilter, inClass, inSplit, inExcluded] of rows) {
        const c = out.get(id);
        if (c) c.within = { inFilter: inFilter === 1, anyClass: inClass === 1, anySplit: inSplit === 1, anyExcluded: inExcluded === 1 };
      }
    }
    return out;
  }

  private add(c: Contribution, sign: 1 | -1): void {
    tally(this.all, c, sign, this.mainTask, null);
    if (this.within) tally(this.within, c, sign, this.mainTask, c.within);
  }
}

/** Add an image's contribution; within a filter, each count only where the image is inside that count's facet. */
function tally(d: CountsDelta, c: Contribution, sign: number, mainTask: number | undefined, within: Membership | null): void {
  const counts = (facet: keyof Membership) => within === null || within[facet];
  if (counts('inFilter')) d.total += sign;
  if (within !== null && within.anyClass) d.anyClass = (d.anyClass ?? 0) + sign;
  if (c.excluded && counts('anyExcluded')) d.excluded += sign;
  const split = c.split ?? 'none';
  if (counts('anySplit')) d.perSplit[split] = (d.perSplit[split] ?? 0) + sign;
  const tasks = new Set(c.labels.map(([taskId]) => taskId));
  if (counts('inFilter')) for (const taskId of tasks) d.labelledPerTask[taskId] = (d.labelledPerTask[taskId] ?? 0) + sign;
  if (!counts('anyClass')) return;
  for (const [, classId] of c.labels) d.perClass[classId] = (d.perClass[classId] ?? 0) + sign;
  if (mainTask === undefined || !tasks.has(mainTask)) d.unlabeled += sign;
}

/** Drop the entries that came back to zero, so a delta names only what moved. */
function prune(d: CountsDelta): CountsDelta {
  const nonZero = (r: Partial<Record<string | number, number>>): Record<number, number> =>
    Object.fromEntries(Object.entries(r).filter(([, n]) => n !== 0)) as Record<number, number>;
  return { ...d, perClass: nonZero(d.perClass), perSplit: nonZero(d.perSplit), labelledPerTask: nonZero(d.labelledPerTask) };
}
