import type { ImageCounts, ImageFilter, ImageSort, ImageSummary } from '../../../shared/domain/images.ts';
import type { LabelSource, ModelLabel } from '../../../shared/domain/labels.ts';
import type { SplitName } from '../../../shared/domain/splits.ts';
import type { Database } from '../db/database.ts';
import { findTask } from '../labels/tasks.ts';
import { nearDuplicateIds } from './near-duplicates.ts';

/** A WHERE clause over `images i` and its parameters. */
export interface FilterSql {
  where: string;
  params: unknown[];
}

const EXACT_DUPLICATE = `(i.duplicate_of IS NOT NULL
  OR i.id IN (SELECT duplicate_of FROM images WHERE duplicate_of IS NOT NULL)
  OR i.hash IN (SELECT hash FROM images GROUP BY hash HAVING count(*) > 1))`;

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Each filter becomes one indexed sub-select (labels by class or task, splits by split, the hash
 * index for duplicates), so a page over 100k images stays a few milliseconds plus the count.
 */
export function filterSql(db: Database, filter: ImageFilter = {}): FilterSql {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (filter.classIds && filter.classIds.length > 0) {
    parts.push('i.id IN (SELECT image_id FROM labels WHERE class_id IN (SELECT value FROM json_each(?)))');
    params.push(JSON.stringify(filter.classIds));
  }
  if (filter.unlabeled !== undefined) {
    const main = findTask(db, 'main');
    parts.push(`i.id ${filter.unlabeled ? 'NOT IN' : 'IN'} (SELECT image_id FROM labels WHERE task_id = ?)`);
    params.push(main?.id ?? -1);
  }
  if (filter.split === 'none') parts.push('i.id NOT IN (SELECT image_id FROM splits)');
  else if (filter.split) {
    parts.push('i.id IN (SELECT image_id FROM splits WHERE split = ?)');
    params.push(filter.split);
  }
  if (filter.labelSource) {
    parts.push('i.id IN (SELECT image_id FROM labels WHERE source = ?)');
    params.push(filter.labelSource);
  }
  if (filter.excluded !== undefined) {
    parts.push('i.excluded = ?');
    params.push(filter.excluded ? 1 : 0);
  }
  if (filter.groupId !== undefined) {
    parts.push('i.group_id = ?');
    params.push(filter.groupId);
  }
  if (filter.duplicates) duplicateSql(db, filter.duplicates, parts, params);
  if (filter.search) {
    const like = `%${escapeLike(filter.search)}%`;
    parts.push(`(i.path LIKE ? ESCAPE '\\' OR i.group_id LIKE ? ESCAPE '\\')`);
    params.push(like, like);
  }
  return { where: parts.length > 0 ? parts.join(' AND ') : '1', params };
}

function duplicateSql(db: Database, kind: NonNullable<ImageFilter['duplicates']>, parts: string[], params: unknown[]): void {
  const near = 'i.id IN (SELECT value FROM json_each(?))';
  if (kind === 'exact') parts.push(EXACT_DUPLICATE);
  else parts.push(kind === 'near' ? near : `(${EXACT_DUPLICATE} OR ${near})`);
  if (kind !== 'exact') params.push(JSON.stringify(nearDuplicateIds(db)));
}

const ORDER: Record<ImageSort, string> = {
  id: 'i.id',
  path: 'i.path, i.frame',
  imported: 'i.imported_at, i.id',
  group: 'i.group_id, i.id',
};

function orderBy(sort: ImageSort, descending: boolean): string {
  return ORDER[sort]
    .split(', ')
    .map((col) => `${col}${descending ? ' DESC' : ''}`)
    .join(', ');
}

export interface SummaryRow {
  id: number;
  path: string;
  width: number;
  height: number;
  format: string;
  bit_depth: number;
  group_id: string | null;
  excluded: number;
  duplicate_of: number | null;
  split: SplitName | null;
}

export const SUMMARY_COLUMNS = 'i.id, i.path, i.width, i.height, i.format, i.bit_depth, i.group_id, i.excluded, i.duplicate_of, s.split';

export function toSummary(r: SummaryRow, labels: LabelsOfImage = { labels: [] }): ImageSummary {
  return {
    id: r.id,
    path: r.path,
    width: r.width,
    height: r.height,
    format: r.format,
    bitDepth: r.bit_depth,
    groupId: r.group_id,
    excluded: r.excluded === 1,
    split: r.split ?? null,
    labels: labels.labels,
    ...(labels.fromModel ? { fromModel: labels.fromModel } : {}),
    duplicateOf: r.duplicate_of,
  };
}

/** An image's class ids (every task) and, when one of them was accepted from a model, which run. */
export interface LabelsOfImage {
  labels: number[];
  fromModel?: ModelLabel;
}

export function labelsOf(db: Database, ids: number[]): Map<number, LabelsOfImage> {
  const map = new Map<number, LabelsOfImage>(ids.map((id) => [id, { labels: [] }]));
  const rows = db
    .prepare('SELECT image_id, class_id, source, run_id FROM labels WHERE image_id IN (SELECT value FROM json_each(?)) ORDER BY image_id, class_id')
    .all(JSON.stringify(ids)) as { image_id: number; class_id: number; source: LabelSource; run_id: number | null }[];
  for (const r of rows) {
    const image = map.get(r.image_id);
    if (!image) continue;
    image.labels.push(r.class_id);
    if (r.source === 'model') image.fromModel = { runId: r.run_id ?? image.fromModel?.runId ?? null };
  }
  return map;
}

export interface ListQuery {
  filter?: ImageFilter;
  sort: ImageSort;
  descending: boolean;
  offset: number;
  limit: number;
}

export function listImages(db: Database, q: ListQuery): { total: number; items: ImageSummary[] } {
  const { where, params } = filterSql(db, q.filter);
  const total = db.prepare(`SELECT count(*) FROM images i WHERE ${where}`).pluck().get(...params) as number;
  const rows = db
    .prepare(
      `SELECT ${SUMMARY_COLUMNS} FROM images i LEFT JOIN splits s ON s.image_id = i.id
       WHERE ${where} ORDER BY ${orderBy(q.sort, q.descending)} LIMIT ? OFFSET ?`,
    )
    .all(...params, q.limit, q.offset) as SummaryRow[];
  const labels = labelsOf(
    db,
    rows.map((r) => r.id),
  );
  return { total, items: rows.map((r) => toSummary(r, labels.get(r.id))) };
}

/** Where image `id` stands (0-based) in the list `listImages` pages through; null when the filter leaves it out or it is gone. */
export function positionOf(db: Database, id: number, q: Omit<ListQuery, 'offset' | 'limit'>): number | null {
  const { where, params } = filterSql(db, q.filter);
  const position = db
    .prepare(`SELECT position FROM (SELECT i.id, row_number() OVER (ORDER BY ${orderBy(q.sort, q.descending)}) - 1 AS position FROM images i WHERE ${where}) WHERE id = ?`)
    .pluck()
    .get(...params, id) as number | undefined;
  return position ?? null;
}

/**
 * The filters the sidebar's menus count under: each menu every filter but its own, so that its
 * options say how many images choosing them would show (faceted counts). The class menu's "All"
 * and "Unlabeled" belong to the class facet.
 */
export function facetFilters(filter: ImageFilter = {}): { anyClass: ImageFilter; anySplit: ImageFilter; anyExcluded: ImageFilter } {
  const { classIds: _classIds, unlabeled: _unlabeled, ...anyClass } = filter;
  const { split: _split, ...anySplit } = filter;
  const { excluded: _excluded, ...anyExcluded } = filter;
  return { anyClass, anySplit, anyExcluded };
}

/**
 * Faceted counts in three queries whatever the number of classes: one pass over the images sums
 * each facet's WHERE as a 0/1 column (totals, labelled, excluded), and one grouped join each for the
 * classes and the splits.
 */
export function countImages(db: Database, filter: ImageFilter = {}): ImageCounts {
  const facet = facetFilters(filter);
  const all = filterSql(db, filter);
  const cls = filterSql(db, facet.anyClass);
  const spl = filterSql(db, facet.anySplit);
  const exc = filterSql(db, facet.anyExcluded);
  const main = findTask(db, 'main')?.id ?? -1;
  const head = db
    .prepare(
      `SELECT coalesce(sum(${all.where}), 0) AS total, coalesce(sum(${cls.where}), 0) AS anyClass,
              coalesce(sum((${cls.where}) AND i.id IN (SELECT image_id FROM labels WHERE task_id = ?)), 0) AS labelled,
              coalesce(sum(${spl.where}), 0) AS anySplit, coalesce(sum((${exc.where}) AND i.excluded = 1), 0) AS excluded
       FROM images i WHERE (${cls.where}) OR (${spl.where}) OR (${exc.where})`,
    )
    .get(...all.params, ...cls.params, ...cls.params, main, ...spl.params, ...exc.params, ...cls.params, ...spl.params, ...exc.params) as {
    total: number;
    anyClass: number;
    labelled: number;
    anySplit: number;
    excluded: number;
  };
  // Joins from labels / splits to images (not `IN (filtered ids)`): the planner walks the small
  // covering indexes and looks each image up by rowid.
  const perClass: Record<number, number> = {};
  const classRows = db
    .prepare(`SELECT l.class_id, count(*) FROM labels l JOIN images i ON i.id = l.image_id WHERE ${cls.where} GROUP BY l.class_id`)
    .raw()
    .all(...cls.params) as [number, number][];
  for (const [classId, n] of classRows) perClass[classId] = n;
  const perSplit: ImageCounts['perSplit'] = { train: 0, val: 0, test: 0, none: head.anySplit };
  const splitRows = db
    .prepare(`SELECT s.split, count(*) FROM splits s JOIN images i ON i.id = s.image_id WHERE ${spl.where} GROUP BY s.split`)
    .raw()
    .all(...spl.params) as [SplitName, number][];
  for (const [split, n] of splitRows) {
    perSplit[split] = n;
    perSplit.none -= n;
  }
  return { total: head.total, anyClass: head.anyClass, perClass, unlabeled: head.anyClass - head.labelled, excluded: head.excluded, perSplit };
}
