import type { Database, Statement } from 'better-sqlite3';
import type { TaskRole } from '../../../../shared/domain/labels.ts';
import { now } from '../../db/database.ts';
import { MULTI_LABEL_SEPARATOR } from '../../labels/annotations.ts';
import { encodeOrigins } from '../../labels/label-store.ts';
import { ensureTask, nameKey } from '../../labels/tasks.ts';

/**
 * Writes labels that come with an import (class folders, CSV) straight into tasks / classes /
 * labels / label_events, inside the caller's transaction, with source 'import' and one batch id
 * per import job so that a whole import can be undone as one action.
 */
export class ImportLabelWriter {
  /** Applied labels per role and class name (only real changes count). */
  readonly applied: Record<TaskRole, Record<string, number>> = { main: {}, aux: {} };
  readonly classesCreated: string[] = [];
  private readonly taskIds = new Map<TaskRole, number>();
  /** Per task and name key: the class a CSV or folder name stands for (case and spaces ignored, as in addClass). */
  private readonly classIds = new Map<string, { id: number; name: string }>();
  private readonly stmt: Record<'cls' | 'newCls' | 'current' | 'mode' | 'clear' | 'insert' | 'event', Statement>;

  constructor(
    private readonly db: Database,
    private readonly batchId: string,
  ) {
    this.stmt = {
      mode: db.prepare('SELECT mode FROM tasks WHERE id = ?'),
      cls: db.prepare('SELECT id, name FROM classes WHERE task_id = ?'),
      newCls: db.prepare('INSERT INTO classes (task_id, name, position) VALUES (?, ?, (SELECT coalesce(max(position) + 1, 0) FROM classes WHERE task_id = ?))'),
      current: db.prepare('SELECT class_id, source, run_id FROM labels WHERE image_id = ? AND task_id = ? ORDER BY class_id'),
      clear: db.prepare('DELETE FROM labels WHERE image_id = ? AND task_id = ?'),
      insert: db.prepare(`INSERT OR IGNORE INTO labels (image_id, task_id, class_id, source, updated_at) VALUES (?, ?, ?, 'import', ?)`),
      event: db.prepare(
        `INSERT INTO label_events (at, image_id, task_id, old_value, new_value, source, batch_id, old_origin) VALUES (?, ?, ?, ?, ?, 'import', ?, ?)`,
      ),
    };
  }

  /**
   * Give `imageId` the class `className` of the task with `role`, creating task and class when
   * the project has none yet. Single-label tasks replace the old label; multi-label tasks add.
   */
  set(imageId: number, role: TaskRole, className: string): boolean {
    const taskId = this.task(role);
    const cls = this.classOf(taskId, role, className);
    const classId = cls.id;
    const held = this.stmt.current.all(imageId, taskId) as Parameters<typeof encodeOrigins>[0];
    const old = held.map((r) => r.class_id);
    if (old.includes(classId) && (old.length === 1 || this.isMulti(taskId))) return false;
    const next = this.isMulti(taskId) ? [...old, classId].sort((a, b) => a - b) : [classId];
    const at = now();
    if (!this.isMulti(taskId)) this.stmt.clear.run(imageId, taskId);
    this.stmt.insert.run(imageId, taskId, classId, at);
    // Undoing the import gives a model's accepted guess back as that run's label.
    this.stmt.event.run(at, imageId, taskId, JSON.stringify(old), JSON.stringify(next), this.batchId, encodeOrigins(held));
    this.applied[role][cls.name] = (this.applied[role][cls.name] ?? 0) + 1;
    return true;
  }

  /**
   * A CSV cell: in a multi-label set, "a|b" is two classes (the annotation export writes them so);
   * in a single-label set the cell is one class name, whatever it holds.
   */
  setCell(imageId: number, role: TaskRole, cell: string): void {
    const multi = this.isMulti(this.task(role));
    const names = multi ? cell.split(MULTI_LABEL_SEPARATOR).map((n) => n.trim()).filter((n) => n !== '') : [cell];
    for (const name of names) this.set(imageId, role, name);
  }

  private task(role: TaskRole): number {
    let id = this.taskIds.get(role);
    if (id === undefined) {
      id = ensureTask(this.db, role).id;
      this.taskIds.set(role, id);
    }
    return id;
  }

  private isMulti(taskId: number): boolean {
    return this.stmt.mode.pluck().get(taskId) === 'multi';
  }

  /** "Normal" in a CSV labels the project's "normal" rather than creating a second class that reads the same. */
  private classOf(taskId: number, role: TaskRole, name: string): { id: number; name: string } {
    const key = `${taskId}\u0000${nameKey(name)}`;
    let hit = this.classIds.get(key);
    if (hit === undefined) {
      hit = (this.stmt.cls.all(taskId) as { id: number; name: string }[]).find((c) => nameKey(c.name) === nameKey(name));
      if (hit === undefined) {
        hit = { id: Number(this.stmt.newCls.run(taskId, name, taskId).lastInsertRowid), name };
        this.classesCreated.push(role === 'main' ? name : `${name} (aux)`);
      }
      this.classIds.set(key, hit);
    }
    return hit;
  }
}
