import { conflict, notFound, validation } from '../../../shared/contract/errors.ts';
import type { LabelClass, LabelTask, TaskMode, TaskRole } from '../../../shared/domain/labels.ts';
import type { Database } from '../db/database.ts';

interface TaskRow {
  id: number;
  name: string;
  role: TaskRole;
  mode: TaskMode;
}

interface ClassRow {
  id: number;
  task_id: number;
  name: string;
  position: number;
  color: string | null;
  shortcut: string | null;
}

const DEFAULT_TASK_NAMES: Record<TaskRole, string> = { main: 'Main labels', aux: 'Auxiliary labels' };

export function findTask(db: Database, role: TaskRole): TaskRow | undefined {
  return db.prepare('SELECT id, name, role, mode FROM tasks WHERE role = ?').get(role) as TaskRow | undefined;
}

export function taskById(db: Database, id: number): TaskRow {
  const row = db.prepare('SELECT id, name, role, mode FROM tasks WHERE id = ?').get(id) as TaskRow | undefined;
  if (!row) throw notFound(`Label set ${id} does not exist.`);
  return row;
}

/** The task of a role, or a not-found error that says how to create it. */
export function requireTask(db: Database, role: TaskRole): TaskRow {
  const task = findTask(db, role);
  if (!task) throw notFound(`The project has no ${role} label set yet. Add a class to it first.`);
  return task;
}

/** Create the task of a role on demand (single-label, default name). */
export function ensureTask(db: Database, role: TaskRole): TaskRow {
  const existing = findTask(db, role);
  if (existing) return existing;
  db.prepare(`INSERT INTO tasks (name, role, mode) VALUES (?, ?, 'single')`).run(DEFAULT_TASK_NAMES[role], role);
  return requireTask(db, role);
}

export function configureTask(db: Database, role: TaskRole, name?: string, mode?: TaskMode): TaskRow {
  const task = ensureTask(db, role);
  if (name !== undefined && name !== task.name) {
    const clash = db.prepare('SELECT id FROM tasks WHERE name = ? AND id <> ?').get(name, task.id);
    if (clash) throw conflict(`Another label set is already called "${name}"; choose another name.`);
    db.prepare('UPDATE tasks SET name = ? WHERE id = ?').run(name, task.id);
  }
  if (mode === 'single' && task.mode === 'multi') {
    const crowded = db
      .prepare('SELECT count(*) FROM (SELECT image_id FROM labels WHERE task_id = ? GROUP BY image_id HAVING count(*) > 1)')
      .pluck()
      .get(task.id) as number;
    if (crowded > 0) {
      throw conflict(`${crowded} images have more than one class in "${task.name}"; leave one class on each before switching to single-label.`);
    }
  }
  if (mode !== undefined) db.prepare('UPDATE tasks SET mode = ? WHERE id = ?').run(mode, task.id);
  return taskById(db, task.id);
}

export function classById(db: Database, id: number): ClassRow {
  const row = db.prepare('SELECT id, task_id, name, position, color, shortcut FROM classes WHERE id = ?').get(id) as ClassRow | undefined;
  if (!row) throw notFound(`Class ${id} does not exist; reload the class list.`);
  return row;
}

function classCount(db: Database, id: number): number {
  return db.prepare('SELECT count(*) FROM labels WHERE class_id = ?').pluck().get(id) as number;
}

export function toLabelClass(row: ClassRow, count: number): LabelClass {
  return { id: row.id, taskId: row.task_id, name: row.name, position: row.position, color: row.color, shortcut: row.shortcut, count };
}

export function describeClass(db: Database, id: number): LabelClass {
  return toLabelClass(classById(db, id), classCount(db, id));
}

/** Names that differ only in case or spaces ("Normal " and "normal") are one class to a person. */
export const nameKey = (name: string): string => name.normalize('NFKC').trim().replace(/\s+/g, ' ').toLocaleLowerCase();

/** The name of another class of the task that reads the same as `name`, if any. */
export function findClashingName(db: Database, taskId: number, name: string, exceptId: number): string | undefined {
  const names = db.prepare('SELECT name FROM classes WHERE task_id = ? AND id <> ?').pluck().all(taskId, exceptId) as string[];
  return names.find((n) => nameKey(n) === nameKey(name));
}

/** Refuse a name or shortcut another class of the same task already has (the keyboard must stay unambiguous). */
function checkUnique(db: Database, taskId: number, exceptId: number, name?: string, shortcut?: string | null): void {
  if (name !== undefined) {
    const clash = findClashingName(db, taskId, name, exceptId);
    if (clash === name) throw conflict(`A class called "${name}" already exists; choose another name or merge the two classes.`);
    if (clash !== undefined) {
      throw conflict(`"${name}" is the class "${clash}" written differently (case or spaces differ); use "${clash}", or merge the two classes.`);
    }
  }
  if (shortcut) {
    const other = db.prepare('SELECT name FROM classes WHERE task_id = ? AND shortcut = ? AND id <> ?').pluck().get(taskId, shortcut, exceptId);
    if (other) throw conflict(`The shortcut "${shortcut}" already selects class "${String(other)}"; choose another key.`);
  }
}

export function addClass(db: Database, role: TaskRole, name: string, color?: string, shortcut?: string): LabelClass {
  const task = ensureTask(db, role);
  checkUnique(db, task.id, -1, name, shortcut);
  const position = db.prepare('SELECT coalesce(max(position) + 1, 0) FROM classes WHERE task_id = ?').pluck().get(task.id) as number;
  const id = db
    .prepare('INSERT INTO classes (task_id, name, position, color, shortcut) VALUES (?, ?, ?, ?, ?)')
    .run(task.id, name, position, color ?? null, shortcut ?? null).lastInsertRowid;
  return describeClass(db, Number(id));
}

export function updateClass(db: Database, id: number, change: { name?: string; color?: string | null; shortcut?: string | null }): LabelClass {
  const row = classById(db, id);
  checkUnique(db, row.task_id, id, change.name, change.shortcut);
  db.prepare('UPDATE classes SET name = ?, color = ?, shortcut = ? WHERE id = ?').run(
    change.name ?? row.name,
    change.color === undefined ? row.color : change.color,
    change.shortcut === undefined ? row.shortcut : change.shortcut,
    id,
  );
  return describeClass(db, id);
}

export function reorderClasses(db: Database, classIds: number[]): number {
  const first = classById(db, classIds[0]);
  const all = db.prepare('SELECT id FROM classes WHERE task_id = ?').pluck().all(first.task_id) as number[];
  const given = new Set(classIds);
  if (given.size !== classIds.length || all.length !== given.size || all.some((id) => !given.has(id))) {
    throw validation(`Reordering needs every class of the label set exactly once (${all.length} classes: ${all.join(', ')}).`);
  }
  const set = db.prepare('UPDATE classes SET position = ? WHERE id = ?');
  classIds.forEach((id, i) => set.run(i, id));
  return first.task_id;
}

/** Every task with its classes in display order and their counts. */
export function listTasks(db: Database): LabelTask[] {
  const counts = new Map(
    (db.prepare('SELECT class_id, count(*) AS n FROM labels GROUP BY class_id').all() as { class_id: number; n: number }[]).map((r) => [r.class_id, r.n]),
  );
  const labelled = new Map(
    (db.prepare('SELECT task_id, count(DISTINCT image_id) AS n FROM labels GROUP BY task_id').all() as { task_id: number; n: number }[]).map((r) => [
      r.task_id,
      r.n,
    ]),
  );
  const classes = db.prepare('SELECT id, task_id, name, position, color, shortcut FROM classes ORDER BY position, id').all() as ClassRow[];
  const tasks = db.prepare(`SELECT id, name, role, mode FROM tasks ORDER BY role = 'aux', id`).all() as TaskRow[];
  return tasks.map((t) => ({
    ...t,
    classes: classes.filter((c) => c.task_id === t.id).map((c) => toLabelClass(c, counts.get(c.id) ?? 0)),
    labelled: labelled.get(t.id) ?? 0,
  }));
}

export function describeTask(db: Database, taskId: number): LabelTask {
  const task = listTasks(db).find((t) => t.id === taskId);
  if (!task) throw notFound(`Label set ${taskId} does not exist.`);
  return task;
}
