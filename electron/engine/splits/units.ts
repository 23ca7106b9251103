import type { SplitGrouping, SplitName } from '../../../shared/domain/splits.ts';
import type { Database } from '../db/database.ts';
import { findTask } from '../labels/tasks.ts';
import type { SplitUnit } from './assign.ts';

/** Raw rows (arrays, not objects: 100k objects cost more than the query). */
type ImageRow = [id: number, groupId: string | null, excluded: number, split: SplitName | null, locked: number | null, hash: string, duplicateOf: number | null];

/** The group key of an image: its group id, or the image itself when it has none or grouping is off. */
const groupKey = (groupBy: SplitGrouping, id: number, groupId: string | null) =>
  groupBy === 'patient' && groupId !== null ? `g:${groupId}` : `i:${id}`;

/**
 * The unit key of every image: its group, merged with the groups of its exact duplicates (same
 * pixel hash or a duplicateOf link), so the same pixels can never sit in two splits whatever the
 * grouping. Union-find over keys; a merged unit is named by its smallest key (deterministic).
 */
function unitKeys(rows: ImageRow[], groupBy: SplitGrouping): Map<number, string> {
  const parent = new Map<string, string>();
  const find = (k: string): string => {
    let root = k;
    while ((parent.get(root) ?? root) !== root) root = parent.get(root)!;
    parent.set(k, root);
    return root;
  };
  const union = (a: string, b: string) => {
    const [ra, rb] = [find(a), find(b)];
    if (ra !== rb) parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  };
  const keyOf = new Map(rows.map(([id, groupId]) => [id, groupKey(groupBy, id, groupId)]));
  const firstOfHash = new Map<string, string>();
  for (const [id, , , , , hash, duplicateOf] of rows) {
    const key = keyOf.get(id)!;
    const first = firstOfHash.get(hash);
    if (first === undefined) firstOfHash.set(hash, key);
    else union(first, key);
    const target = duplicateOf === null ? undefined : keyOf.get(duplicateOf);
    if (target !== undefined) union(target, key);
  }
  return new Map([...keyOf].map(([id, key]) => [id, find(key)]));
}

/** Main-task classes per image. */
function mainClasses(db: Database): Map<number, number[]> {
  const main = findTask(db, 'main');
  const labels = main ? (db.prepare('SELECT image_id, class_id FROM labels WHERE task_id = ?').raw().all(main.id) as [number, number][]) : [];
  const classesOf = new Map<number, number[]>();
  for (const [imageId, classId] of labels) {
    const list = classesOf.get(imageId);
    if (list) list.push(classId);
    else classesOf.set(imageId, [classId]);
  }
  return classesOf;
}

/**
 * The units of the included images. A unit that holds, or shares a group or pixels with, a locked
 * test image (excluded ones too: they return to test when included again) is pinned to test.
 */
export function loadUnits(db: Database, groupBy: SplitGrouping, locked: boolean): SplitUnit[] {
  const rows = db
    .prepare('SELECT i.id, i.group_id, i.excluded, s.split, s.locked, i.hash, i.duplicate_of FROM images i LEFT JOIN splits s ON s.image_id = i.id ORDER BY i.id')
    .raw()
    .all() as ImageRow[];
  const keys = unitKeys(rows, groupBy);
  const classesOf = mainClasses(db);
  const pinned = new Set(rows.filter((r) => locked && r[4] === 1 && r[3] === 'test').map((r) => keys.get(r[0])!));
  const units = new Map<string, SplitUnit>();
  for (const [id, , excluded] of rows) {
    if (excluded === 1) continue;
    const key = keys.get(id)!;
    let u = units.get(key);
    if (!u) units.set(key, (u = { key, imageIds: [], classCounts: new Map(), labelled: 0, lockedTest: pinned.has(key) }));
    u.imageIds.push(id);
    const classes = classesOf.get(id) ?? [];
    if (classes.length > 0) u.labelled++;
    for (const c of classes) u.classCounts.set(c, (u.classCounts.get(c) ?? 0) + 1);
  }
  return [...units.values()];
}
