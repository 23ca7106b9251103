import type { Database } from 'better-sqlite3';
import type { AnnotationFormat, AnnotationRow } from '../../../shared/domain/annotations.ts';

/**
 * Every image's annotations as one row: its labels in both label sets, group, split and exclusion.
 * Multi-frame files give one row per frame; classes keep their display order.
 */
export function annotationRows(db: Database): AnnotationRow[] {
  const images = db
    .prepare(
      `SELECT i.id, i.path, i.frame, i.width, i.height, i.group_id AS groupId, s.split, i.excluded, i.exclude_reason AS excludeReason
       FROM images i LEFT JOIN splits s ON s.image_id = i.id ORDER BY i.id`,
    )
    .all() as { id: number; path: string; frame: number; width: number; height: number; groupId: string | null; split: AnnotationRow['split']; excluded: number; excludeReason: string | null }[];
  const labels = db
    .prepare(
      `SELECT l.image_id AS imageId, t.role, c.name, l.source FROM labels l
       JOIN tasks t ON t.id = l.task_id JOIN classes c ON c.id = l.class_id ORDER BY l.image_id, c.position`,
    )
    .all() as { imageId: number; role: 'main' | 'aux'; name: string; source: AnnotationRow['labelSource'] }[];
  const byImage = new Map<number, typeof labels>();
  for (const l of labels) {
    const list = byImage.get(l.imageId);
    if (list) list.push(l);
    else byImage.set(l.imageId, [l]);
  }
  return images.map((i) => {
    const own = byImage.get(i.id) ?? [];
    const main = own.filter((l) => l.role === 'main');
    return {
      imageId: i.id,
      path: i.path,
      frame: i.frame,
      width: i.width,
      height: i.height,
      labels: main.map((l) => l.name),
      auxLabels: own.filter((l) => l.role === 'aux').map((l) => l.name),
      labelSource: main[0]?.source ?? null,
      group: i.groupId,
      split: i.split ?? null,
      excluded: i.excluded === 1,
      excludeReason: i.excludeReason,
    };
  });
}

/**
 * Header of the CSV export. These names are the ones the label CSV import recognises without a
 * column mapping (path, label, aux_label, group, excluded, exclude_reason), so the file goes back
 * in as it came out.
 */
export const ANNOTATION_CSV_COLUMNS = ['path', 'frame', 'label', 'aux_label', 'group', 'split', 'excluded', 'exclude_reason', 'label_source', 'image_id'] as const;

/** Several classes of a multi-label set share one cell, separated by this. */
export const MULTI_LABEL_SEPARATOR = '|';

export function annotationsCsv(rows: AnnotationRow[]): string {
  const lines = [ANNOTATION_CSV_COLUMNS.join(',')];
  for (const r of rows) {
    const cells = [
      r.path,
      String(r.frame),
      r.labels.join(MULTI_LABEL_SEPARATOR),
      r.auxLabels.join(MULTI_LABEL_SEPARATOR),
      r.group ?? '',
      r.split ?? '',
      r.excluded ? 'true' : 'false',
      r.excludeReason ?? '',
      r.labelSource ?? '',
      String(r.imageId),
    ];
    lines.push(cells.map(csvCell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * RFC 4180 quoting, also for `;` and tabs: a reader that guesses the delimiter (Excel in many
 * locales, papaparse) must not take a path with a semicolon for two fields.
 */
function csvCell(value: string): string {
  return /[",;\t\r\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export interface AnnotationsDocument {
  format: 'labeltune-annotations';
  version: 1;
  project: string;
  exportedAt: string;
  tasks: { role: 'main' | 'aux'; name: string; mode: 'single' | 'multi'; classes: string[] }[];
  images: Omit<AnnotationRow, 'width' | 'height'>[];
}

export function annotationsJson(db: Database, project: string, rows: AnnotationRow[], exportedAt: string): AnnotationsDocument {
  return {
    format: 'labeltune-annotations',
    version: 1,
    project,
    exportedAt,
    tasks: taskList(db),
    images: rows.map(({ width: _w, height: _h, ...rest }) => rest),
  };
}

/**
 * COCO's layout (images, categories, annotations) for image-level classes: one annotation per
 * image and class, no boxes. Auxiliary classes are categories too, told apart by `supercategory`.
 * Group, split and exclusion ride on each image as extra fields, which COCO readers ignore.
 */
export function annotationsCoco(db: Database, project: string, rows: AnnotationRow[], exportedAt: string) {
  const categories: { id: number; name: string; supercategory: string }[] = [];
  const categoryId = new Map<string, number>();
  for (const task of taskList(db)) {
    for (const name of task.classes) {
      categories.push({ id: categories.length + 1, name, supercategory: task.role });
      categoryId.set(`${task.role}\u0000${name}`, categories.length);
    }
  }
  const annotations: { id: number; image_id: number; category_id: number }[] = [];
  for (const r of rows) {
    for (const [role, names] of [['main', r.labels], ['aux', r.auxLabels]] as const) {
      for (const name of names) annotations.push({ id: annotations.length + 1, image_id: r.imageId, category_id: categoryId.get(`${role}\u0000${name}`)! });
    }
  }
  return {
    info: { description: `${project}: image-level labels exported by LabelTune`, date_created: exportedAt },
    images: rows.map((r) => ({
      id: r.imageId,
      file_name: r.path,
      width: r.width,
      height: r.height,
      frame: r.frame,
      group: r.group,
      split: r.split,
      excluded: r.excluded,
      exclude_reason: r.excludeReason,
    })),
    categories,
    annotations,
  };
}

function taskList(db: Database): AnnotationsDocument['tasks'] {
  const tasks = db.prepare('SELECT id, role, name, mode FROM tasks ORDER BY role DESC').all() as { id: number; role: 'main' | 'aux'; name: string; mode: 'single' | 'multi' }[];
  const classes = db.prepare('SELECT name FROM classes WHERE task_id = ? ORDER BY position').pluck();
  return tasks.map((t) => ({ role: t.role, name: t.name, mode: t.mode, classes: classes.all(t.id) as string[] }));
}

/** The file text of one export format. */
export function annotationsText(db: Database, project: string, format: AnnotationFormat, exportedAt = new Date().toISOString()): { text: string; images: number } {
  const rows = annotationRows(db);
  const text =
    format === 'csv'
      ? annotationsCsv(rows)
      : `${JSON.stringify(format === 'json' ? annotationsJson(db, project, rows, exportedAt) : annotationsCoco(db, project, rows, exportedAt), null, 2)}\n`;
  return { text, images: rows.length };
}
