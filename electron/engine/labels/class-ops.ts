import { randomUUID } from 'node:crypto';
import { conflict, notFound, validation } from '../../../shared/contract/errors.ts';
import type { LabelChange, LabelClass } from '../../../shared/domain/labels.ts';
import { type Database, now } from '../db/database.ts';
import { type LabelOrigin, type PendingChange, decodeOrigins, loadLabels, sameSet, sortedUnique, toLabelChange, writeChanges } from './label-store.ts';
import { classById, describeClass, findClashingName } from './tasks.ts';

/** A merge or delete, with the id that undoes it (`labels.restoreClass`). */
export type ClassChange = LabelChange & { restoreId: string };

/**
 * Move every label of `fromId` to `intoId` and delete `fromId`, in one transaction. Each moved image
 * writes an audit event; the batch id starts with `class:` so Ctrl+Z leaves it alone (it is undone
 * with restoreClass, which brings the class back first).
 */
export function mergeClasses(db: Database, fromId: number, intoId: number): ClassChange {
  if (fromId === intoId) throw validation('Choose two different classes to merge.');
  const from = classById(db, fromId);
  const into = classById(db, intoId);
  if (from.task_id !== into.task_id) throw validation(`"${from.name}" and "${into.name}" belong to different label sets; only classes of one set can be merged.`);
  const batchId = `class:${randomUUID()}`;
  const changes = db.transaction(() => {
    const moved = db.prepare('SELECT image_id, source, run_id FROM labels WHERE class_id = ? ORDER BY image_id').all(fromId) as { image_id: number; source: LabelOrigin['source']; run_id: number | null }[];
    const current = loadLabels(db, from.task_id, moved.map((m) => m.image_id));
    // A moved label keeps who wrote it: a model's accepted guess stays the model's, under the new class.
    const pending: PendingChange[] = moved.map(({ image_id: imageId, source, run_id: runId }) => {
      const old = current.get(imageId) ?? [];
      return { imageId, taskId: from.task_id, old, new: sortedUnique([...old.filter((id) => id !== fromId), intoId]), origins: new Map([[intoId, { source, runId }]]) };
    });
    writeChanges(db, pending, 'human', 'human', batchId);
    deleteClassRow(db, fromId, batchId);
    return pending;
  }).immediate();
  return { ...toLabelChange(batchId, changes), restoreId: batchId };
}

/** Delete a class; while images use it the caller must name a class to move them to. */
export function deleteClass(db: Database, classId: number, moveTo?: number): ClassChange {
  const row = classById(db, classId);
  if (moveTo !== undefined) return mergeClasses(db, classId, moveTo);
  const used = db.prepare('SELECT count(*) FROM labels WHERE class_id = ?').pluck().get(classId) as number;
  if (used > 0) {
    throw conflict(`Class "${row.name}" is used by ${used} image(s); move them to another class (moveTo) or merge the classes instead.`, {
      count: used,
    });
  }
  const batchId = `class:${randomUUID()}`;
  db.transaction(() => deleteClassRow(db, classId, batchId)).immediate();
  return { batchId: null, changed: [], skipped: [], restoreId: batchId };
}

/** Keep the row for restoreClass, remove it, and close the gap in the display order. */
function deleteClassRow(db: Database, classId: number, batchId: string): void {
  const row = classById(db, classId);
  db.prepare('INSERT INTO deleted_classes (batch_id, class_id, task_id, name, position, color, shortcut, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
    batchId,
    row.id,
    row.task_id,
    row.name,
    row.position,
    row.color,
    row.shortcut,
    now(),
  );
  db.prepare('DELETE FROM classes WHERE id = ?').run(classId);
  renumber(db, row.task_id);
}

function renumber(db: Database, taskId: number, insertAt?: { id: number; position: number }): void {
  const ids = (db.prepare('SELECT id FROM classes WHERE task_id = ? ORDER BY position, id').pluck().all(taskId) as number[]).filter((id) => id !== insertAt?.id);
  if (insertAt) ids.splice(Math.min(insertAt.position, ids.length), 0, insertAt.id);
  const set = db.prepare('UPDATE classes SET position = ? WHERE id = ?');
  ids.forEach((id, i) => set.run(i, id));
}

interface DeletedRow {
  class_id: number;
  task_id: number;
  name: string;
  position: number;
  color: string | null;
  shortcut: string | null;
  restored: number;
}

/**
 * Undo a merge or delete: the class comes back at its place (with its old id when no class took it
 * since), and every image the change moved and nobody changed since gets its old classes again.
 * The audit log keeps the merge and records the restore as 'undo' events.
 */
export function restoreClass(db: Database, restoreId: string): LabelChange & { restored: LabelClass } {
  return db.transaction(() => {
    const row = db.prepare('SELECT class_id, task_id, name, position, color, shortcut, restored FROM deleted_classes WHERE batch_id = ?').get(restoreId) as
      | DeletedRow
      | undefined;
    if (!row) throw notFound(`There is no class change ${restoreId} to undo; reload the class list.`);
    if (row.restored) throw conflict(`Class "${row.name}" was restored already.`);
    const clash = findClashingName(db, row.task_id, row.name, -1);
    if (clash) throw conflict(`A class called "${clash}" exists again; rename or merge it before bringing "${row.name}" back.`);
    const free = db.prepare('SELECT 1 FROM classes WHERE id = ?').get(row.class_id) === undefined;
    const shortcutFree = row.shortcut === null || db.prepare('SELECT 1 FROM classes WHERE task_id = ? AND shortcut = ?').get(row.task_id, row.shortcut) === undefined;
    const id = Number(
      db
        .prepare('INSERT INTO classes (id, task_id, name, position, color, shortcut) VALUES (?, ?, ?, ?, ?, ?)')
        .run(free ? row.class_id : null, row.task_id, row.name, row.position, row.color, shortcutFree ? row.shortcut : null).lastInsertRowid,
    );
    renumber(db, row.task_id, { id, position: row.position });
    const change = relabel(db, restoreId, row.class_id, id);
    db.prepare('UPDATE deleted_classes SET restored = 1 WHERE batch_id = ?').run(restoreId);
    return { ...change, restored: describeClass(db, id) };
  }).immediate();
}

/** Give the images of a merge batch their old classes back (the deleted class under its new id). */
function relabel(db: Database, batchId: string, oldId: number, newId: number): LabelChange {
  const events = db.prepare('SELECT image_id, task_id, old_value, new_value, old_origin FROM label_events WHERE batch_id = ? ORDER BY id DESC').all(batchId) as {
    image_id: number;
    task_id: number;
    old_value: string;
    new_value: string;
    old_origin: string | null;
  }[];
  if (events.length === 0) return { batchId: null, changed: [], skipped: [] };
  const current = loadLabels(db, events[0].task_id, events.map((e) => e.image_id));
  const pending: PendingChange[] = [];
  const skipped: number[] = [];
  for (const e of events) {
    const now = current.get(e.image_id) ?? [];
    if (!sameSet(now, JSON.parse(e.new_value) as number[])) skipped.push(e.image_id);
    else {
      // Each class comes back with who wrote it before the merge ('human' where the event predates origins).
      const origins = new Map([...decodeOrigins(e.old_origin)].map(([c, o]) => [c === oldId ? newId : c, o]));
      pending.push({ imageId: e.image_id, taskId: e.task_id, old: now, new: sortedUnique((JSON.parse(e.old_value) as number[]).map((c) => (c === oldId ? newId : c))), origins });
    }
  }
  const replayId = `class:${randomUUID()}`;
  writeChanges(db, pending, 'human', 'undo', replayId);
  db.prepare(`UPDATE label_events SET undone = (SELECT coalesce(max(undone), 0) + 1 FROM label_events WHERE undone > 0) WHERE batch_id = ?`).run(batchId);
  pending.sort((x, y) => x.imageId - y.imageId);
  return toLabelChange(replayId, pending, skipped.sort((x, y) => x - y));
}
