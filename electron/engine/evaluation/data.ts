import { validation } from '../../../shared/contract/errors.ts';
import type { EvalSplit } from '../../../shared/domain/evaluation.ts';
import type { Database } from '../db/database.ts';
import type { InferenceImage } from '../../../shared/contract/model-host.ts';

/** Images to evaluate with their true class indices in the run's class order. */
export interface LabelledImage extends InferenceImage {
  truth: number[];
}

/** The main task's class ids by the run's class index; a class renamed or deleted since training is -1. */
export function runClassIds(db: Database, classes: string[]): number[] {
  const rows = db.prepare(`SELECT c.id, c.name FROM classes c JOIN tasks t ON t.id = c.task_id AND t.role = 'main'`).all() as { id: number; name: string }[];
  const byName = new Map(rows.map((r) => [r.name, r.id]));
  return classes.map((n) => byName.get(n) ?? -1);
}

/**
 * Labelled, non-excluded images of a split (possibly none). Images carrying a class the run did not
 * train on (added after it) are left out: the model cannot predict them.
 */
export function labelledImages(db: Database, split: EvalSplit, classes: string[]): LabelledImage[] {
  const ids = runClassIds(db, classes);
  const index = new Map(ids.map((id, k) => [id, k]));
  const rows = db
    .prepare(
      `SELECT i.id, i.path, i.frame, group_concat(l.class_id) AS classes
       FROM images i
       JOIN splits s ON s.image_id = i.id AND s.split = ?
       JOIN tasks t ON t.role = 'main'
       JOIN labels l ON l.image_id = i.id AND l.task_id = t.id
       WHERE i.excluded = 0
       GROUP BY i.id ORDER BY i.id`,
    )
    .all(split) as { id: number; path: string; frame: number; classes: string }[];
  const out: LabelledImage[] = [];
  for (const r of rows) {
    const truth = r.classes.split(',').map((c) => index.get(Number(c)) ?? -1);
    if (truth.every((k) => k >= 0)) out.push({ id: r.id, path: r.path, frame: r.frame, truth: truth.sort((a, b) => a - b) });
  }
  return out;
}

/** The labelled images of a split to evaluate on; refuses an empty split with what to do. */
export function splitImages(db: Database, split: EvalSplit, classes: string[]): LabelledImage[] {
  const out = labelledImages(db, split, classes);
  const name = split === 'test' ? 'test' : 'validation';
  if (out.length === 0) {
    throw validation(`The ${name} split has no labelled image to evaluate on. Create the splits with a ${name} share above 0 (Splits view, or "labeltune split") and label those images.`);
  }
  return out;
}

/** Non-excluded images to predict: those without a main-task label (scope 'unlabeled') or all. */
export function predictImagesOf(db: Database, scope: 'unlabeled' | 'all'): InferenceImage[] {
  const filter =
    scope === 'unlabeled'
      ? `AND NOT EXISTS (SELECT 1 FROM labels l JOIN tasks t ON t.id = l.task_id AND t.role = 'main' WHERE l.image_id = i.id)`
      : '';
  return db.prepare(`SELECT i.id, i.path, i.frame FROM images i WHERE i.excluded = 0 ${filter} ORDER BY i.id`).all() as InferenceImage[];
}
