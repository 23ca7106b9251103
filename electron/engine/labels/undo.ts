import { randomUUID } from 'node:crypto';
import { conflict } from '../../../shared/contract/errors.ts';
import type { FileSplitStep } from '../../../shared/contract/labels.ts';
import type { LabelChange, LabelEvent, LabelEventSource, LabelSource, TaskRole, UndoStep } from '../../../shared/domain/labels.ts';
import type { Database } from '../db/database.ts';
import type { CountAround } from '../images/count-delta.ts';
import { placeFileSplitAgain, takeBackFileSplit } from '../splits/file-split-undo.ts';
import { type PendingChange, claimBatch, decodeOrigins, loadLabels, sameSet, toLabelChange, uncounted, writeChanges } from './label-store.ts';

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
  old_origin: string | null;
}

/** A batch with at least one live (not undone) event: a candidate for undo. */
const LIVE = `EXISTS (SELECT 1 FROM label_events e WHERE e.batch_id = b.batch_id AND e.undone = 0 AND e.source IN ('human', 'model', 'import'))`;

/**
 * The next batch to undo: the project's newest live action, or with a session, that session's
 * newest live action (another window's labels are not this window's to take back).
 */
function nextUndoBatch(db: Database, session?: string): string | undefined {
  if (session !== undefined) {
    return db.prepare(`SELECT b.batch_id FROM label_batches b WHERE b.session = ? AND ${LIVE} ORDER BY b.id DESC LIMIT 1`).pluck().get(session) as
      | string
      | undefined;
  }
  return db.prepare(`SELECT batch_id FROM label_events WHERE undone = 0 AND ${UNDOABLE} ORDER BY id DESC LIMIT 1`).pluck().get() as string | undefined;
}

function nextRedoBatch(db: Database, session?: string): string | undefined {
  if (session !== undefined) {
    return db
      .prepare(
        `SELECT b.batch_id FROM label_batches b JOIN label_events e ON e.batch_id = b.batch_id
         WHERE b.session = ? AND e.undone > 0
           AND b.id > (SELECT coalesce(max(b.id), 0) FROM label_batches b WHERE b.session = ? AND ${LIVE})
         GROUP BY b.batch_id ORDER BY max(e.undone) DESC LIMIT 1`,
      )
      .pluck()
      .get(session, session) as string | undefined;
  }
  return db
    .prepare(
      `SELECT batch_id FROM label_events WHERE undone > 0 AND ${UNDOABLE}
         AND id > (SELECT coalesce(max(id), 0) FROM label_events WHERE undone = 0 AND ${UNDOABLE})
       ORDER BY undone DESC, id DESC LIMIT 1`,
    )
    .pluck()
    .get() as string | undefined;
}

/** What undo or redo would take back or bring back, so the UI can name it and ask first for large steps. */
export function describeBatch(db: Database, batchId: string | undefined): UndoStep | null {
  if (batchId === undefined) return null;
  const row = db
    .prepare(`SELECT min(source) AS source, count(DISTINCT image_id) AS images, max(at) AS at FROM label_events WHERE batch_id = ? AND source IN ('human', 'model', 'import')`)
    .get(batchId) as { source: UndoStep['source'] | null; images: number; at: string | null };
  return row.source === null || row.at === null ? null : { batchId, source: row.source, images: row.images, at: row.at };
}

export function undoPreview(db: Database, session?: string): { undo: UndoStep | null; redo: UndoStep | null } {
  return { undo: describeBatch(db, nextUndoBatch(db, session)), redo: describeBatch(db, nextRedoBatch(db, session)) };
}

/**
 * Move each image of a batch from one side of its event to the other, but only when the image still
 * shows the expected side: an image labelled again since (or whose class was deleted) is skipped.
 */
function replay(db: Database, batchId: string, direction: 'undo' | 'redo', around: CountAround, session?: string): LabelChange {
  const events = db.prepare('SELECT id, image_id, task_id, old_value, new_value, old_origin FROM label_events WHERE batch_id = ? ORDER BY id').all(batchId) as EventRow[];
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
      // Undo gives each class back as who wrote it (a corrected model guess is that run's model label again).
      const origins = direction === 'undo' ? decodeOrigins(e.old_origin) : undefined;
      pending.push({ imageId: e.image_id, taskId: e.task_id, old: now, new: target, ...(origins ? { origins } : {}) });
      state.set(e.image_id, target);
    }
  }
  const replayId = randomUUID();
  // The history says who undid; the replay's own events are never undone in turn (LIVE reads real actions only).
  if (session !== undefined) claimBatch(db, replayId, session);
  // Redo brings the labels back as who wrote them (an accepted model guess stays that run's model
  // label); undo takes each class's origin from its event, 'human' where the event predates it.
  const origin = direction === 'redo' ? batchOrigin(db, batchId) : { source: 'human' as const, runId: null };
  around([...new Set(pending.map((c) => c.imageId))], () => writeChanges(db, pending, origin.source, direction as LabelEventSource, replayId, origin.runId));
  const mark =
    direction === 'undo'
      ? db.prepare(`UPDATE label_events SET undone = (SELECT coalesce(max(undone), 0) + 1 FROM label_events WHERE undone > 0) WHERE batch_id = ?`)
      : db.prepare('UPDATE label_events SET undone = 0 WHERE batch_id = ?');
  mark.run(batchId);
  // Report each image once, with its final classes, in id order.
  const final = new Map(pending.map((c) => [`${c.imageId}:${c.taskId}`, c]));
  const changed = [...final.values()].sort((x, y) => x.imageId - y.imageId || x.taskId - y.taskId);
  const model = origin.source === 'model' ? { runId: origin.runId } : undefined;
  return { ...toLabelChange(replayId, changed, [...new Set(skipped)].sort((x, y) => x - y), model), batchId };
}

/** Who wrote a batch's labels, and for model labels the run whose guess they were. */
function batchOrigin(db: Database, batchId: string): { source: LabelSource; runId: number | null } {
  const row = db
    .prepare(`SELECT min(source) AS source, max(run_id) AS runId FROM label_events WHERE batch_id = ? AND source IN ('human', 'model', 'import')`)
    .get(batchId) as { source: LabelSource | null; runId: number | null };
  return { source: row.source ?? 'human', runId: row.runId };
}

export interface ReplayOptions {
  /** Walk only this session's own actions. */
  session?: string;
  /** The batch the caller confirmed (from undoPreview); refused when the next step is another one. */
  expect?: string;
  /** Hold (do nothing, answer the step) when the step labelled more images than this or is an import. */
  askAbove?: number;
}

export type StepResult = LabelChange & { step: UndoStep | null; held: boolean; split?: FileSplitStep };

function step(db: Database, direction: 'undo' | 'redo', around: CountAround, { session, expect, askAbove }: ReplayOptions): StepResult {
  return db.transaction(() => {
    const batch = direction === 'undo' ? nextUndoBatch(db, session) : nextRedoBatch(db, session);
    if (expect !== undefined && batch !== expect) {
      throw conflict(`The last action changed meanwhile (another ${direction} or a new label); look at what ${direction} would do now and try again.`);
    }
    const described = describeBatch(db, batch);
    const nothing = { batchId: null, changed: [], skipped: [] };
    if (!batch) return { ...nothing, step: null, held: false };
    const large = described !== null && (described.images > (askAbove ?? Infinity) || (askAbove !== undefined && described.source === 'import'));
    if (large && expect === undefined) return { ...nothing, step: described, held: true };
    const change = replay(db, batch, direction, around, session);
    // An import's CSV may have placed a split too: it goes back (or comes again) with the labels.
    const split = direction === 'undo' ? takeBackFileSplit(db, batch, around) : placeFileSplitAgain(db, batch, around);
    return { ...change, step: described, held: false, ...(split ? { split } : {}) };
  }).immediate();
}

/** Undo the newest live action (of the session, when given); `batchId` is the batch taken back (null: nothing to undo). */
export function undoLast(db: Database, around: CountAround = uncounted, options: ReplayOptions = {}): StepResult {
  return step(db, 'undo', around, options);
}

/** Redo the most recently undone action that no newer action (of the session, when given) has superseded. */
export function redoLast(db: Database, around: CountAround = uncounted, options: ReplayOptions = {}): StepResult {
  return step(db, 'redo', around, options);
}

export function history(db: Database, imageId: number): LabelEvent[] {
  const rows = db
    .prepare(
      `SELECT e.id, e.at, e.image_id, e.task_id, t.role, e.old_value, e.new_value, e.source, e.batch_id, e.undone, b.session, e.run_id
       FROM label_events e JOIN tasks t ON t.id = e.task_id LEFT JOIN label_batches b ON b.batch_id = e.batch_id
       WHERE e.image_id = ? ORDER BY e.id DESC`,
    )
    .all(imageId) as (Omit<EventRow, 'old_origin'> & { at: string; role: TaskRole; source: LabelEventSource; batch_id: string | null; undone: number; session: string | null; run_id: number | null })[];
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
    session: r.session,
    runId: r.run_id,
  }));
}
