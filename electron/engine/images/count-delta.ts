import { type CountsDelta, type CountsMoved, emptyDelta } from '../../../shared/domain/counts.ts';
import type { ImageFilter } from '../../../shared/domain/images.ts';
import type { SplitName } from '../../../shared/domain/splits.ts';
import type { Database } from '../db/database.ts';
import { findTask } from '../labels/tasks.ts';
import { type FilterSql, filterSql } from './query.ts';

/** Runs a write of these images; a count delta reads them before and after it. */
export type CountAround = <T>(imageIds: number[], write: () => T) => T;

/** What one image adds to the counts. */
interface Contribution {
  inFilter: boolean;
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
  private readonly filter: FilterSql | null;
  private readonly mainTask: number | undefined;

  constructor(
    private readonly db: Database,
    filter?: ImageFilter,
  ) {
    this.mainTask = findTask(db, 'main')?.id;
    this.filter = hasKeys(filter) ? filterSql(db, filter) : null;
    this.within = this.filter ? emptyDelta() : null;
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
    const out = new Map<number, Contribution>(rows.map(([id, excluded, split]) => [id, { inFilter: false, excluded: excluded === 1, split, labels: [] }]));
    const labels = this.db
      .prepare('SELECT image_id, task_id, class_id FROM labels WHERE image_id IN (SELECT value FROM json_each(?))')
      .raw()
      .all(ids) as [number, number, number][];
    for (const [imageId, taskId, classId] of labels) out.get(imageId)?.labels.push([taskId, classId]);
    if (this.filter) {
      const { where, params } = this.filter;
      const inside = this.db
        .prepare(`SELECT i.id FROM images i WHERE i.id IN (SELECT value FROM json_each(?)) AND ${where}`)
        .pluck()
        .all(ids, ...params) as number[];
      for (const id of inside) out.get(id)!.inFilter = true;
    }
    return out;
  }

  private add(c: Contribution, sign: 1 | -1): void {
    tally(this.all, c, sign, this.mainTask);
    if (this.within && c.inFilter) tally(this.within, c, sign, this.mainTask);
  }
}

function tally(d: CountsDelta, c: Contribution, sign: number, mainTask: number | undefined): void {
  d.total += sign;
  if (c.excluded) d.excluded += sign;
  const split = c.split ?? 'none';
  d.perSplit[split] = (d.perSplit[split] ?? 0) + sign;
  for (const [, classId] of c.labels) d.perClass[classId] = (d.perClass[classId] ?? 0) + sign;
  const tasks = new Set(c.labels.map(([taskId]) => taskId));
  for (const taskId of tasks) d.labelledPerTask[taskId] = (d.labelledPerTask[taskId] ?? 0) + sign;
  if (mainTask === undefined || !tasks.has(mainTask)) d.unlabeled += sign;
}

/** Drop the entries that came back to zero, so a delta names only what moved. */
function prune(d: CountsDelta): CountsDelta {
  const nonZero = (r: Partial<Record<string | number, number>>): Record<number, number> =>
    Object.fromEntries(Object.entries(r).filter(([, n]) => n !== 0)) as Record<number, number>;
  return { ...d, perClass: nonZero(d.perClass), perSplit: nonZero(d.perSplit), labelledPerTask: nonZero(d.labelledPerTask) };
}
