import { randomUUID } from 'node:crypto';
import { conflict, validation } from '../../../shared/contract/errors.ts';
import type { LabelChange } from '../../../shared/domain/labels.ts';
import type { Database } from '../db/database.ts';
import { type PendingChange, loadLabels, sortedUnique, toLabelChange, writeChanges } from './label-store.ts';
import { classById } from './tasks.ts';

/**
 * Move every label of `fromId` to `intoId` and delete `fromId`, in one transaction. Each moved image
 * writes an audit event; the batch id starts with `class:` so undo leaves it alone (the deleted class
 * could not be restored by relabelling).
 */
export function mergeClasses(db: Database, fromId: number, intoId: number): LabelChange {
  if (fromId === intoId) throw validation('Choose two different classes to merge.');
  const from = classById(db, fromId);
  const into = classById(db, intoId);
  if (from.task_id !== into.task_id) throw validation(`"${from.name}" and "${into.name}" belong to different label sets; only classes of one set can be merged.`);
  const batchId = `class:${randomUUID()}`;
  const changes = db.transaction(() => {
    const imageIds = db.prepare('SELECT image_id FROM labels WHERE class_id = ? ORDER BY image_id').pluck().all(fromId) as number[];
    const current = loadLabels(db, from.task_id, imageIds);
    const pending: PendingChange[] = imageIds.map((imageId) => {
      const old = current.get(imageId) ?? [];
      return { imageId, taskId: from.task_id, old, new: sortedUnique([...old.filter((id) => id !== fromId), intoId]) };
    });
    writeChanges(db, pending, 'human', 'human', batchId);
    deleteClassRow(db, fromId, from.task_id);
    return pending;
  }).immediate();
  return toLabelChange(batchId, changes);
}

/** Delete a class; while images use it the caller must name a class to move them to. */
export function deleteClass(db: Database, classId: number, moveTo?: number): LabelChange {
  const row = classById(db, classId);
  if (moveTo !== undefined) return mergeClasses(db, classId, moveTo);
  const used = db.prepare('SELECT count(*) FROM labels WHERE class_id = ?').pluck().get(classId) as number;
  if (used > 0) {
    throw conflict(`Class "${row.name}" is used by ${used} image(s); move them to another class (moveTo) or merge the classes instead.`, {
      count: used,
    });
  }
  db.transaction(() => deleteClassRow(db, classId, row.task_id)).immediate();
  return { batchId: null, changed: [], skipped: [] };
}

/** Remove the row and close the gap in the display order. */
function deleteClassRow(db: Database, classId: number, taskId: number): void {
  db.prepare('DELETE FROM classes WHERE id = ?').run(classId);
  const ids = db.prepare('SELECT id FROM classes WHERE task_id = ? ORDER BY position, id').pluck().all(taskId) as number[];
  const set = db.prepare('UPDATE classes SET position = ? WHERE id = ?');
  ids.forEach((id, i) => set.run(i, id));
}
