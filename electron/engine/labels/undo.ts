import { randomUUID } from 'node:crypto';
import type { LabelChange, LabelEvent, LabelEventSource, TaskRole } from '../../../shared/domain/labels.ts';
import type { Database } from '../db/database.ts';
import type { CountAround } from '../images/count-delta.ts';
import { type PendingChange, loadLabels, sameSet, toLabelChange, uncounted, writeChanges } from './label-store.ts';

/**
 * Undo/redo walk label_events by batch. Human, model and import actions are undoable (an import's
 * labels are one batch); class merges and deletes (batch ids starting with `class:`) are not: the
 * deleted class could not come back by relabelling. `undone` holds 0, or the sequence
 * number of the undo that took the batch back, so redo can pick the most recently undone batch. A
 * new action makes every batch undone before it unreachable (redo only looks past the newest live
 * action), which is the usual "a new action clears the redo stack".
 */
const UNDOABLE = `source IN ('human', 'model', 'import') AND batch_id IS NOT NULL AND batch_id NOT LIKE 'class:%'`;

interface EventRow {
  id: number;
  image_id: number;
  task_id: number;
  old_value: string;
  new_value: string;
}

function nextUndoBatch(db: Database): string | undefined {
  return db.prepare(`SELECT batch_id FROM label_events WHERE undone = 0 AND ${UNDOABLE} ORDER BY id DESC LIMIT 1`).pluck().get() as string | undefined;
}

function nextRedoBatch(db: Database): string | undefined {
  return db
    .prepare(
      `SELECT batch_id FROM label_events WHERE undone > 0 AND ${UNDOABLE}
         AND id > (SELECT coalesce(max(id), 0) FROM label_events WHERE undone = 0 AND ${UNDOABLE})
       ORDER BY undone DESC, id DESC LIMIT 1`,
    )
    .pluck()
    .get() as string | undefined;
}

/**
 * Move each image of a batch from one side of its event to the other, but only when the image still
 * shows the expected side: an image labelled again since (or whose class was deleted) is skipped.
 */
function replay(db: Database, batchId: string, direction: 'undo' | 'redo', around: CountAround): LabelChange {
  const events = db.prepare('SELECT id, image_id, task_id, old_value, new_value FROM label_events WHERE batch_id = ? ORDER BY id').all(batchId) as EventRow[];
  const classes = new Set(db.prepare('SELECT id FROM classes').pluck().all() as number[]);
  const pending: PendingChange[] = [];
  const skipped: number[] = [];
  const current = new Map<number, Map<number, number[]>>();
  for (const taskId of new Set(events.map((e) => e.task_id))) {
    current.set(taskId, loadLabels(db, taskId, events.filter((e) => e.task_id === taskId).map((e) => e.image_id)));
  }
  // Undo walks the batch backwards, redo forwards, tracking each image's state as it goes: a batch
  // may touch one image twice (an import CSV naming a file twice in a multi-label set).
  for (const e of direction === 'undo' ? events.slice().reverse() : events) {
    const [from, to] = direction === 'undo' ? [e.new_value, e.old_value] : [e.old_value, e.new_value];
    const expected = JSON.parse(from) as number[];
    const target = JSON.parse(to) as number[];
    const state = current.get(e.task_id)!;
    const now = state.get(e.image_id) ?? [];
    if (!sameSet(now, expected) || !target.every((id) => classes.has(id))) skipped.push(e.image_id);
    else {
      pending.push({ imageId: e.image_id, taskId: e.task_id, old: now, new: target });
      state.set(e.image_id, target);
    }
  }
  const replayId = randomUUID();
  around([...new Set(pending.map((c) => c.imageId))], () => writeChanges(db, pending, 'human', direction as LabelEventSource, replayId));
  const mark =
    direction === 'undo'
      ? db.prepare(`UPDATE label_events SET undone = (SELECT coalesce(max(undone), 0) + 1 FROM label_events WHERE undone > 0) WHERE batch_id = ?`)
      : db.prepare('UPDATE label_events SET undone = 0 WHERE batch_id = ?');
  mark.run(batchId);
  // Report each image once, with its final classes, in id order.
  const final = new Map(pending.map((c) => [`${c.imageId}:${c.taskId}`, c]));
  const changed = [...final.values()].sort((x, y) => x.imageId - y.imageId || x.taskId - y.taskId);
  return { ...toLabelChange(replayId, changed, [...new Set(skipped)].sort((x, y) => x - y)), batchId };
}

/** Undo the newest live action; `batchId` is the batch taken back (null: nothing to undo). */
export function undoLast(db: Database, around: CountAround = uncounted): LabelChange {
  return db.transaction(() => {
    const batch = nextUndoBatch(db);
    return batch ? replay(db, batch, 'undo', around) : { batchId: null, changed: [], skipped: [] };
  }).immediate();
}

/** Redo the most recently undone action that no newer action has superseded. */
export function redoLast(db: Database, around: CountAround = uncounted): LabelChange {
  return db.transaction(() => {
    const batch = nextRedoBatch(db);
    return batch ? replay(db, batch, 'redo', around) : { batchId: null, changed: [], skipped: [] };
  }).immediate();
}

export function history(db: Database, imageId: number): LabelEvent[] {
  const rows = db
    .prepare(
      `SELECT e.id, e.at, e.image_id, e.task_id, t.role, e.old_value, e.new_value, e.source, e.batch_id, e.undone
       FROM label_events e JOIN tasks t ON t.id = e.task_id WHERE e.image_id = ? ORDER BY e.id DESC`,
    )
    .all(imageId) as (EventRow & { at: string; role: TaskRole; source: LabelEventSource; batch_id: string | null; undone: number })[];
  return rows.map((r) => ({
    id: r.id,
    at: r.at,
    imageId: r.image_id,
    taskId: r.task_id,
    taskRole: r.role,
    old: JSON.parse(r.old_value) as number[],
    new: JSON.parse(r.new_value) as number[],
    source: r.source,
    batchId: r.batch_id,
    undone: r.undone > 0,
  }));
}
