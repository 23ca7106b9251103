import { validation } from '../../../shared/contract/errors.ts';
import type { Database } from '../db/database.ts';
import type { DataManifest, ManifestItem, RunData } from '../../../shared/contract/model-host.ts';

export type { RunData } from '../../../shared/contract/model-host.ts';

/** The labelled, non-excluded train and val images of a project, ready for the trainer. */

interface TaskRow {
  id: number;
  mode: 'single' | 'multi';
}

interface ImageRow {
  id: number;
  path: string;
  frame: number;
  split: 'train' | 'val';
  classes: string;
}

function task(db: Database, role: 'main' | 'aux'): TaskRow | undefined {
  return db.prepare('SELECT id, mode FROM tasks WHERE role = ?').get(role) as TaskRow | undefined;
}

function classIds(db: Database, taskId: number): { id: number; name: string }[] {
  return db.prepare('SELECT id, name FROM classes WHERE task_id = ? ORDER BY position, id').all(taskId) as { id: number; name: string }[];
}

/** Split images with their labels of one task (excluded images left out). */
function labelledImages(db: Database, taskId: number): ImageRow[] {
  return db
    .prepare(
      `SELECT i.id, i.path, i.frame, s.split, group_concat(l.class_id) AS classes
       FROM images i
       JOIN splits s ON s.image_id = i.id AND s.split IN ('train', 'val')
       JOIN labels l ON l.image_id = i.id AND l.task_id = ?
       WHERE i.excluded = 0
       GROUP BY i.id ORDER BY i.id`,
    )
    .all(taskId) as ImageRow[];
}

/** Read the data a run trains on; `validation` errors say what the user must do first. */
export function loadRunData(db: Database, withAux: boolean): RunData {
  const main = task(db, 'main');
  const labelledCount = main ? (db.prepare('SELECT count(DISTINCT image_id) FROM labels WHERE task_id = ?').pluck().get(main.id) as number) : 0;
  if (!main || labelledCount === 0) {
    throw validation('The project has no labels yet. Label images with at least two classes before training.');
  }
  const classes = classIds(db, main.id);
  const index = new Map(classes.map((c, i) => [c.id, i]));
  const splitCount = db.prepare(`SELECT count(*) FROM splits WHERE split IN ('train', 'val')`).pluck().get() as number;
  if (splitCount === 0) {
    throw validation('The project has no train/validation split yet. Create the splits (Splits view, or "labeltune split") before training.');
  }
  const rows = labelledImages(db, main.id);
  const auxTask = withAux ? task(db, 'aux') : undefined;
  if (withAux && !auxTask) throw validation('An auxiliary task was asked for, but the project has no auxiliary label set. Create one or train without it.');
  const auxClasses = auxTask ? classIds(db, auxTask.id) : [];
  const auxLabels = auxTask ? new Map(labelledImages(db, auxTask.id).map((r) => [r.id, r.classes])) : null;
  const auxIndex = new Map(auxClasses.map((c, i) => [c.id, i]));
  const toItem = (r: ImageRow): ManifestItem => {
    const aux = auxLabels?.get(r.id);
    return {
      id: r.id,
      path: r.path,
      frame: r.frame,
      classes: r.classes.split(',').map((c) => index.get(Number(c))!),
      aux: aux ? aux.split(',').map((c) => auxIndex.get(Number(c))!) : null,
    };
  };
  const manifest: DataManifest = { train: rows.filter((r) => r.split === 'train').map(toItem), val: rows.filter((r) => r.split === 'val').map(toItem) };
  const trainCounts = classes.map(() => 0);
  manifest.train.forEach((it) => it.classes.forEach((c) => trainCounts[c]++));
  checkData(manifest, trainCounts, classes.map((c) => c.name));
  return {
    classes: classes.map((c) => c.name),
    multiLabel: main.mode === 'multi',
    manifest,
    trainCounts,
    aux: auxTask ? { classes: auxClasses.map((c) => c.name), multiLabel: auxTask.mode === 'multi' } : null,
  };
}

function checkData(manifest: DataManifest, trainCounts: number[], names: string[]): void {
  if (manifest.train.length === 0) {
    throw validation('No labelled image is in the train split. Re-create the splits so that labelled images land in train.');
  }
  if (manifest.val.length === 0) {
    throw validation('No labelled image is in the validation split, so training could not be checked. Re-create the splits with a validation share above 0.');
  }
  const present = names.filter((_, i) => trainCounts[i] > 0);
  if (present.length < 2) {
    throw validation(`Only one class (${present[0] ?? names[0]}) has labelled training images. Training needs at least two classes: label images of another class.`);
  }
}
