import { randomUUID } from 'node:crypto';
import { conflict, notFound, validation } from '../../../shared/contract/errors.ts';
import type { SetMode } from '../../../shared/contract/labels.ts';
import type { ImageLabels, LabelChange, LabelEventSource, LabelSource, TaskMode, TaskRole } from '../../../shared/domain/labels.ts';
import { type Database, now } from '../db/database.ts';
import type { CountAround } from '../images/count-delta.ts';
import { requireTask } from './tasks.ts';

/** One image's classes in one task, before and after. Arrays are sorted ascending. */
export interface PendingChange {
  imageId: number;
  taskId: number;
  old: number[];
  new: number[];
  /** Who wrote the classes of `new` that come back (an undo): each keeps its own source and run. */
  origins?: Map<number, LabelOrigin>;
}

/** Who wrote a label: a person, an import, or a model's accepted guess of one run. */
export interface LabelOrigin {
  source: LabelSource;
  runId: number | null;
}

/** label_events.old_origin: the origin of each class an image held before the event, or null when it held none. */
export function encodeOrigins(rows: { class_id: number; source: LabelSource; run_id: number | null }[]): string | null {
  return rows.length === 0 ? null : JSON.stringify(Object.fromEntries(rows.map((r) => [r.class_id, [r.source, r.run_id]])));
}

export function decodeOrigins(json: string | null): Map<number, LabelOrigin> {
  const parsed = json === null ? {} : (JSON.parse(json) as Record<string, [LabelSource, number | null]>);
  return new Map(Object.entries(parsed).map(([id, [source, runId]]) => [Number(id), { source, runId }]));
}

export const sortedUnique = (ids: Iterable<number>): number[] => [...new Set(ids)].sort((a, b) => a - b);
export const sameSet = (a: number[], b: number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** Current classes per image of one task; images without labels map to []. */
export function loadLabels(db: Database, taskId: number, imageIds: number[]): Map<number, number[]> {
  const result = new Map<number, number[]>(imageIds.map((id) => [id, []]));
  const rows = db
    .prepare('SELECT image_id, class_id FROM labels WHERE task_id = ? AND image_id IN (SELECT value FROM json_each(?)) ORDER BY image_id, class_id')
    .all(taskId, JSON.stringify(imageIds)) as { image_id: number; class_id: number }[];
  for (const r of rows) result.get(r.image_id)?.push(r.class_id);
  return result;
}

/** Throws not-found naming the first few ids that are not images of this project. */
export function requireImages(db: Database, imageIds: number[]): void {
  const found = new Set(db.prepare('SELECT id FROM images WHERE id IN (SELECT value FROM json_each(?))').pluck().all(JSON.stringify(imageIds)) as number[]);
  const missing = imageIds.filter((id) => !found.has(id));
  if (missing.length > 0) {
    throw notFound(`${missing.length} image(s) do not exist (ids ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ' ...' : ''}); reload the image list.`);
  }
}

/**
 * Write label changes and their audit events in the caller's transaction: one label_events row per
 * changed image, all sharing `batchId`. `runId` names the run whose guess a model label is. Each
 * event records who wrote the labels it replaces (old_origin), which is what undo gives back.
 */
export function writeChanges(
  db: Database,
  changes: PendingChange[],
  labelSource: LabelSource,
  eventSource: LabelEventSource,
  batchId: string,
  runId: number | null = null,
): void {
  const at = now();
  const del = db.prepare('DELETE FROM labels WHERE image_id = ? AND task_id = ? AND class_id = ?');
  const ins = db.prepare('INSERT INTO labels (image_id, task_id, class_id, source, updated_at, run_id) VALUES (?, ?, ?, ?, ?, ?)');
  const origins = db.prepare('SELECT class_id, source, run_id FROM labels WHERE image_id = ? AND task_id = ? ORDER BY class_id');
  const event = db.prepare(
    'INSERT INTO label_events (at, image_id, task_id, old_value, new_value, source, batch_id, run_id, old_origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  for (const c of changes) {
    const oldOrigin = c.old.length === 0 ? null : encodeOrigins(origins.all(c.imageId, c.taskId) as Parameters<typeof encodeOrigins>[0]);
    let eventRun = runId;
    for (const id of c.old) if (!c.new.includes(id)) del.run(c.imageId, c.taskId, id);
    for (const id of c.new) {
      if (c.old.includes(id)) continue;
      const origin = c.origins?.get(id) ?? { source: labelSource, runId };
      ins.run(c.imageId, c.taskId, id, origin.source, at, origin.runId);
      // An undo that brings a model label back names its run in the audit log, as a redo does.
      if (origin.source === 'model') eventRun ??= origin.runId;
    }
    event.run(at, c.imageId, c.taskId, JSON.stringify(c.old), JSON.stringify(c.new), eventSource, batchId, eventRun, oldOrigin);
  }
}

/**
 * With `model`, the new classes are a model's guess (of that run), so tiles can mark them; without
 * it, a change whose classes come back as a model's (an undo) is marked with that run.
 */
export function toLabelChange(batchId: string | null, changes: PendingChange[], skipped: number[] = [], model?: { runId: number | null }): LabelChange {
  const changed: ImageLabels[] = changes.map((c) => {
    const marker = model ?? restoredModel(c);
    return { imageId: c.imageId, taskId: c.taskId, classIds: c.new, ...(marker && c.new.length > 0 ? { model: marker } : {}) };
  });
  return { batchId: changes.length > 0 ? batchId : null, changed, skipped };
}

function restoredModel(c: PendingChange): { runId: number | null } | undefined {
  const origin = c.new.map((id) => c.origins?.get(id)).find((o) => o?.source === 'model');
  return origin ? { runId: origin.runId } : undefined;
}

/** The classes an image ends up with under one set mode. */
export function nextClasses(mode: SetMode, current: number[], classIds: number[]): number[] {
  switch (mode) {
    case 'replace':
      return sortedUnique(classIds);
    case 'add':
      return sortedUnique([...current, ...classIds]);
    case 'remove':
      return current.filter((id) => !classIds.includes(id));
    case 'toggle':
      return sortedUnique([...current.filter((id) => !classIds.includes(id)), ...classIds.filter((id) => !current.includes(id))]);
  }
}

/** Single-label tasks: 'add' and 'toggle' take exactly one class and replace what is there. */
function checkSingle(mode: SetMode, classIds: number[]): SetMode {
  if (mode === 'remove') return mode;
  if (mode === 'replace' && classIds.length <= 1) return mode;
  if ((mode === 'add' || mode === 'toggle') && classIds.length === 1) return mode === 'add' ? 'replace' : mode;
  throw validation(`This label set is single-label: give exactly one class${mode === 'replace' ? ' (or none to clear the label)' : ''}, or switch it to multi-label.`);
}

export interface SetLabelsInput {
  imageIds: number[];
  taskRole: TaskRole;
  classIds: number[];
  mode: SetMode;
  source: LabelSource;
  /** The batch id an earlier part of the same action returned; these images join its undo batch. */
  continueBatch?: string;
  /** The window or tab writing (label_batches): its undo walks its own actions. */
  session?: string;
  /** With source 'model': the run whose guess these labels are. */
  runId?: number;
}

/**
 * A large action sent in parts (the UI labels a 165,000-image selection 10,000 ids a call) stays one
 * undo step: later parts join the first part's batch. Only a live batch of the same source can grow;
 * one that was undone meanwhile (from another tab) is refused rather than half redone.
 */
function joinableBatch(db: Database, batchId: string, source: LabelSource): string {
  const row = db.prepare('SELECT max(undone) AS undone, min(source) AS source FROM label_events WHERE batch_id = ?').get(batchId) as {
    undone: number | null;
    source: string | null;
  };
  if (row.undone === null) throw notFound(`Label batch ${batchId} does not exist; label the images again as a new action.`);
  if (row.source !== source) throw validation(`Label batch ${batchId} was written by "${row.source}", not "${source}"; start a new action.`);
  if (row.undone > 0) throw conflict(`Label batch ${batchId} was undone meanwhile; label the remaining images as a new action.`);
  return batchId;
}

/** Record that a session began this batch (labels.set, an import); a batch keeps its first session. */
export function claimBatch(db: Database, batchId: string, session: string): void {
  db.prepare('INSERT OR IGNORE INTO label_batches (batch_id, session, at) VALUES (?, ?, ?)').run(batchId, session, now());
}

/** Writes without anyone counting them. */
export const uncounted: CountAround = (_, write) => write();

/**
 * Label many images in one transaction and one audit batch; images whose classes do not change
 * write nothing. `around` sees the write of the images that do change (a count delta).
 */
export function setLabels(db: Database, input: SetLabelsInput, around: CountAround = uncounted): LabelChange {
  const task = requireTask(db, input.taskRole);
  const own = new Set(db.prepare('SELECT id FROM classes WHERE task_id = ?').pluck().all(task.id) as number[]);
  const foreign = input.classIds.filter((id) => !own.has(id));
  if (foreign.length > 0) throw validation(`Class id(s) ${foreign.join(', ')} are not classes of "${task.name}"; reload the class list.`);
  const mode = (task.mode as TaskMode) === 'single' ? checkSingle(input.mode, input.classIds) : input.mode;
  const imageIds = sortedUnique(input.imageIds);
  requireImages(db, imageIds);
  const changes = db.transaction(() => {
    const batchId = input.continueBatch === undefined ? randomUUID() : joinableBatch(db, input.continueBatch, input.source);
    const current = loadLabels(db, task.id, imageIds);
    const pending: PendingChange[] = [];
    for (const imageId of imageIds) {
      const old = current.get(imageId) ?? [];
      const next = nextClasses(mode, old, input.classIds);
      if (task.mode === 'single' && next.length > 1) throw validation('A single-label set allows one class per image.');
      if (!sameSet(old, next)) pending.push({ imageId, taskId: task.id, old, new: next });
    }
    around(
      pending.map((p) => p.imageId),
      () => writeChanges(db, pending, input.source, input.source, batchId, input.runId ?? null),
    );
    if (input.session !== undefined && pending.length > 0) claimBatch(db, batchId, input.session);
    return { batchId, pending };
  }).immediate();
  const model = input.source === 'model' ? { runId: input.runId ?? null } : undefined;
  return toLabelChange(changes.batchId, changes.pending, [], model);
}
