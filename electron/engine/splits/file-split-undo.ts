import type { FileSplitStep } from '../../../shared/contract/labels.ts';
import type { SplitName } from '../../../shared/domain/splits.ts';
import { type Database, now } from '../db/database.ts';
import type { CountAround } from '../images/count-delta.ts';
import { type SplitMeta, readSplitMeta, writeSplitMeta } from './store.ts';

/**
 * Undo and redo of the split a label CSV's split column placed (FixedSplitWriter), taken with the
 * import's labels. The split goes back, or is placed again, only while it is exactly as the last
 * step left it: a split changed in between (re-split, locked or unlocked, moved by another file)
 * is a newer decision of the user's, so undo and redo keep it and say so, and leave it alone from
 * then on.
 */

type StepState = 'placed' | 'undone' | 'kept';

interface StepRow {
  file: string;
  before: string;
  after: string;
  state: StepState;
  at: string;
}

/** A split row as it was before a file moved the image (split null: the image had none). */
export interface SplitRow {
  split: SplitName | null;
  locked: number;
  assignedAt: string | null;
}

/** Writes, in the caller's transaction, that a file moved `imageId` from `old` to `next` (a second move keeps the first `old`). */
export function moveRecorder(db: Database, batchId: string): (imageId: number, old: SplitRow, next: SplitRow & { split: SplitName }) => void {
  const put = db.prepare(
    `INSERT INTO file_split_moves (batch_id, image_id, old_split, old_locked, old_assigned_at, new_split, new_locked, new_assigned_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (batch_id, image_id) DO UPDATE SET new_split = excluded.new_split, new_locked = excluded.new_locked, new_assigned_at = excluded.new_assigned_at`,
  );
  return (imageId, old, next) => put.run(batchId, imageId, old.split, old.locked, old.assignedAt, next.split, next.locked, next.assignedAt);
}

/** When the import finished: the split settings before and after, unless the file changed nothing at all. */
export function recordFileSplitStep(db: Database, batchId: string, file: string, before: SplitMeta, after: SplitMeta): void {
  const moves = db.prepare('SELECT count(*) FROM file_split_moves WHERE batch_id = ?').pluck().get(batchId) as number;
  const [was, is] = [JSON.stringify(before), JSON.stringify(after)];
  if (moves === 0 && was === is) return;
  db.prepare(`INSERT OR REPLACE INTO file_splits (batch_id, file, before, after, state, at) VALUES (?, ?, ?, ?, 'placed', ?)`).run(batchId, file, was, is, now());
}

/** Undo of an import: its split goes back to the one before, when unchanged since (undefined: the import placed none). */
export function takeBackFileSplit(db: Database, batchId: string, around: CountAround): FileSplitStep | undefined {
  return stepFileSplit(db, batchId, 'undo', around);
}

/** Redo of an import: its split is placed again, when unchanged since the undo. */
export function placeFileSplitAgain(db: Database, batchId: string, around: CountAround): FileSplitStep | undefined {
  return stepFileSplit(db, batchId, 'redo', around);
}

function stepFileSplit(db: Database, batchId: string, direction: 'undo' | 'redo', around: CountAround): FileSplitStep | undefined {
  const step = db.prepare('SELECT file, before, after, state, at FROM file_splits WHERE batch_id = ?').get(batchId) as StepRow | undefined;
  if (step === undefined) return undefined;
  const from: StepState = direction === 'undo' ? 'placed' : 'undone';
  if (step.state !== from || !unchangedSince(db, batchId, step, direction)) {
    db.prepare(`UPDATE file_splits SET state = 'kept', at = ? WHERE batch_id = ? AND state <> 'kept'`).run(now(), batchId);
    return { file: step.file, restored: false, message: keptMessage(step.file, direction) };
  }
  // Counted like the labels, so the sidebar's per-split counts move with the split.
  const images = db.prepare('SELECT image_id FROM file_split_moves WHERE batch_id = ?').pluck().all(batchId) as number[];
  const moved = around(images, () => putRows(db, batchId, direction));
  const target = JSON.parse(direction === 'undo' ? step.before : step.after) as SplitMeta;
  // Runs made since the last step trained on the split now replaced: the stored date would count
  // them as made on the split put back, so it is dated now (they show as made on an older split).
  const runsSince = db.prepare('SELECT count(*) FROM runs WHERE created_at >= ?').pluck().get(step.at) as number;
  if (moved > 0 && runsSince > 0) target.createdAt = now();
  writeSplitMeta(db, target);
  const column = direction === 'undo' ? 'before' : 'after';
  db.prepare(`UPDATE file_splits SET state = ?, at = ?, ${column} = ? WHERE batch_id = ?`).run(direction === 'undo' ? 'undone' : 'placed', now(), JSON.stringify(target), batchId);
  const message = direction === 'undo' ? `The split ${step.file} placed was taken back too: the splits are as they were before the import.` : `The split ${step.file} placed is back too.`;
  return { file: step.file, restored: true, message };
}

/** The split is as the last step left it: the same settings, and each image the file moved where that step put it. */
function unchangedSince(db: Database, batchId: string, step: StepRow, direction: 'undo' | 'redo'): boolean {
  if (JSON.stringify(readSplitMeta(db)) !== (direction === 'undo' ? step.after : step.before)) return false;
  const differs =
    direction === 'undo'
      ? 's.split IS NOT m.new_split OR s.locked IS NOT m.new_locked'
      : 's.split IS NOT m.old_split OR (s.image_id IS NOT NULL AND s.locked IS NOT m.old_locked)';
  const moved = db.prepare(`SELECT count(*) FROM file_split_moves m LEFT JOIN splits s ON s.image_id = m.image_id WHERE m.batch_id = ? AND (${differs})`);
  return moved.pluck().get(batchId) === 0;
}

/** Puts each moved image where it was before the file (undo) or where the file put it (redo); answers how many. */
function putRows(db: Database, batchId: string, direction: 'undo' | 'redo'): number {
  const put = 'INSERT OR REPLACE INTO splits (image_id, split, locked, assigned_at)';
  if (direction === 'redo') {
    return db.prepare(`${put} SELECT image_id, new_split, new_locked, new_assigned_at FROM file_split_moves WHERE batch_id = ?`).run(batchId).changes;
  }
  const none = db.prepare('DELETE FROM splits WHERE image_id IN (SELECT image_id FROM file_split_moves WHERE batch_id = ? AND old_split IS NULL)').run(batchId);
  const back = db.prepare(`${put} SELECT image_id, old_split, old_locked, old_assigned_at FROM file_split_moves WHERE batch_id = ? AND old_split IS NOT NULL`).run(batchId);
  return none.changes + back.changes;
}

function keptMessage(file: string, direction: 'undo' | 'redo'): string {
  return `The split was kept: it was changed since ${file} placed it (re-split, locked or moved by another file), so ${direction} left it as it is.`;
}
