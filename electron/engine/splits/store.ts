import { conflict, validation } from '../../../shared/contract/errors.ts';
import { type FileSplit, type GroupLeak, SPLIT_NAMES, type SplitName, type SplitReport, type SplitSettings, type SplitUser } from '../../../shared/domain/splits.ts';
import { type Database, now } from '../db/database.ts';
import { findTask } from '../labels/tasks.ts';
import { assignSplits } from './assign.ts';
import { loadUnits } from './units.ts';

const SETTINGS_KEY = 'splits.settings';
const CREATED_KEY = 'splits.createdAt';
const LOCKED_KEY = 'splits.locked';
/** Set while the current split is a file's (FixedSplitWriter); splits.create clears it. */
const FILE_KEY = 'splits.fromFile';

const meta = (db: Database, key: string) => db.prepare('SELECT value FROM project_meta WHERE key = ?').pluck().get(key) as string | undefined;
const setMeta = (db: Database, key: string, value: string) =>
  db.prepare('INSERT OR REPLACE INTO project_meta (key, value) VALUES (?, ?)').run(key, value);

export const isLocked = (db: Database): boolean => meta(db, LOCKED_KEY) === '1';

/** The split's settings as stored (null: not set): what undoing a file's split puts back. */
export interface SplitMeta {
  settings: string | null;
  createdAt: string | null;
  locked: string | null;
  fromFile: string | null;
}

const META_KEYS: Record<keyof SplitMeta, string> = { settings: SETTINGS_KEY, createdAt: CREATED_KEY, locked: LOCKED_KEY, fromFile: FILE_KEY };

export function readSplitMeta(db: Database): SplitMeta {
  const read = (key: keyof SplitMeta) => meta(db, META_KEYS[key]) ?? null;
  return { settings: read('settings'), createdAt: read('createdAt'), locked: read('locked'), fromFile: read('fromFile') };
}

export function writeSplitMeta(db: Database, values: SplitMeta): void {
  for (const [field, key] of Object.entries(META_KEYS) as [keyof SplitMeta, string][]) {
    const value = values[field];
    if (value === null) db.prepare('DELETE FROM project_meta WHERE key = ?').run(key);
    else setMeta(db, key, value);
  }
}

/**
 * Re-create the splits in one transaction. Locked test rows (kept even for excluded images, so an
 * image taken back in returns to test) stay; everything else is assigned afresh.
 */
export function createSplits(db: Database, settings: SplitSettings): SplitReport {
  db.transaction(() => {
    const locked = isLocked(db);
    const units = loadUnits(db, settings.groupBy, locked);
    if (!units.some((u) => u.labelled > 0 || u.lockedTest)) {
      throw validation('No included image has a main label yet: label some images (or import them with labels) before splitting.');
    }
    const assigned = assignSplits(units, { ratios: settings.ratios, seed: settings.seed });
    db.prepare(locked ? `DELETE FROM splits WHERE NOT (locked = 1 AND split = 'test')` : 'DELETE FROM splits').run();
    // One statement per split with the ids as JSON: 100k single-row inserts from JS cost seconds.
    const put = db.prepare('INSERT OR REPLACE INTO splits (image_id, split, locked, assigned_at) SELECT value, ?, ?, ? FROM json_each(?)');
    const at = now();
    for (const split of SPLIT_NAMES) {
      const ids = units.filter((u) => assigned.get(u.key) === split).flatMap((u) => u.imageIds);
      put.run(split, locked && split === 'test' ? 1 : 0, at, JSON.stringify(ids));
    }
    setMeta(db, SETTINGS_KEY, JSON.stringify(settings));
    setMeta(db, CREATED_KEY, at);
    db.prepare('DELETE FROM project_meta WHERE key = ?').run(FILE_KEY);
  }).immediate();
  return splitReport(db);
}

/** Lock: every current test image is pinned (and later test images too, while locked). Unlock releases them. */
export function lockSplits(db: Database, locked: boolean): SplitReport {
  db.transaction(() => {
    if (locked) {
      const tests = db.prepare(`SELECT count(*) FROM splits WHERE split = 'test'`).pluck().get() as number;
      if (tests === 0) throw conflict('There is no test set to lock yet; create the splits first (splits.create or "labeltune split").');
      db.prepare(`UPDATE splits SET locked = 1 WHERE split = 'test'`).run();
    } else db.prepare('UPDATE splits SET locked = 0').run();
    setMeta(db, LOCKED_KEY, locked ? '1' : '0');
  }).immediate();
  return splitReport(db);
}

const emptyCounts = (): Record<SplitName, number> => ({ train: 0, val: 0, test: 0 });

/** Per-split counts of the included images as they are in the database now. */
export function splitReport(db: Database): SplitReport {
  const raw = meta(db, SETTINGS_KEY);
  const main = findTask(db, 'main');
  const parts = db
    .prepare(
      `SELECT s.split, count(*) AS images, count(DISTINCT coalesce('g:' || i.group_id, 'i:' || i.id)) AS groups,
              sum(i.id NOT IN (SELECT image_id FROM labels WHERE task_id = ?)) AS unlabeled
       FROM splits s JOIN images i ON i.id = s.image_id WHERE i.excluded = 0 GROUP BY s.split`,
    )
    .all(main?.id ?? -1) as { split: SplitName; images: number; groups: number; unlabeled: number }[];
  const report: SplitReport = {
    settings: raw ? (JSON.parse(raw) as SplitSettings) : null,
    fromFile: fileSplit(db),
    locked: isLocked(db),
    parts: { train: { images: 0, groups: 0, unlabeled: 0 }, val: { images: 0, groups: 0, unlabeled: 0 }, test: { images: 0, groups: 0, unlabeled: 0 } },
    achieved: emptyCounts(),
    classes: classCounts(db, main?.id),
    unassigned: db.prepare('SELECT count(*) FROM images WHERE excluded = 0 AND id NOT IN (SELECT image_id FROM splits)').pluck().get() as number,
    excluded: db.prepare('SELECT count(*) FROM images WHERE excluded = 1').pluck().get() as number,
    lockedTest: db.prepare(`SELECT count(*) FROM splits WHERE locked = 1 AND split = 'test'`).pluck().get() as number,
    createdAt: splitsCreatedAt(db),
    warnings: [],
  };
  for (const p of parts) report.parts[p.split] = { images: p.images, groups: p.groups, unlabeled: p.unlabeled };
  const assigned = SPLIT_NAMES.reduce((n, s) => n + report.parts[s].images, 0);
  for (const s of SPLIT_NAMES) report.achieved[s] = assigned > 0 ? report.parts[s].images / assigned : 0;
  report.warnings = splitWarnings(report);
  return report;
}

/**
 * A file (a CSV's split column) placed `images` images. When it changed the split, from now on it is
 * a new split, so runs and evaluations made before are marked as computed on an older one. When it
 * changed it, or no split was made by ratios before, the current split is the file's: the report
 * names it (a project split only by a file has no settings, yet has a split).
 */
export function recordFileSplit(db: Database, split: { file: string; images: number; changed: boolean; at: string }): void {
  if (split.changed) setMeta(db, CREATED_KEY, split.at);
  if (split.images > 0 && (split.changed || meta(db, SETTINGS_KEY) === undefined)) {
    setMeta(db, FILE_KEY, JSON.stringify({ file: split.file, images: split.images, at: split.at }));
  }
}

function fileSplit(db: Database): FileSplit | null {
  const raw = meta(db, FILE_KEY);
  if (raw === undefined) return null;
  const { file, images, at } = JSON.parse(raw) as Pick<FileSplit, 'file' | 'images' | 'at'>;
  return { kind: 'file', file, images, at, leakingGroups: leakingGroups(db).length };
}

/** Groups (patients, lots) whose included images sit in more than one split. */
export function leakingGroups(db: Database): GroupLeak[] {
  const rows = db
    .prepare(
      `SELECT i.group_id AS groupId, s.split, count(*) AS n FROM images i JOIN splits s ON s.image_id = i.id
       WHERE i.excluded = 0 AND i.group_id IS NOT NULL
         AND i.group_id IN (SELECT i2.group_id FROM images i2 JOIN splits s2 ON s2.image_id = i2.id
                            WHERE i2.excluded = 0 AND i2.group_id IS NOT NULL GROUP BY i2.group_id HAVING count(DISTINCT s2.split) > 1)
       GROUP BY i.group_id, s.split ORDER BY i.group_id`,
    )
    .all() as { groupId: string; split: SplitName; n: number }[];
  const leaks = new Map<string, GroupLeak>();
  for (const r of rows) {
    const leak = leaks.get(r.groupId) ?? { groupId: r.groupId, counts: emptyCounts() };
    leak.counts[r.split] = r.n;
    leaks.set(r.groupId, leak);
  }
  return [...leaks.values()];
}

/** When the current splits were made; projects split before this was recorded fall back to the newest assignment. */
export function splitsCreatedAt(db: Database): string | null {
  return meta(db, CREATED_KEY) ?? ((db.prepare('SELECT max(assigned_at) FROM splits').pluck().get() as string | null) || null);
}

/** An empty validation or test set is legal but rarely what anyone wants: say what it costs and how to fix it. */
function splitWarnings(report: SplitReport): string[] {
  if (report.settings === null && report.fromFile === null) return [];
  const warnings: string[] = [];
  if (report.parts.val.images - report.parts.val.unlabeled === 0) {
    warnings.push('The validation split has no labelled image, so training cannot be checked or stopped early: give validation a larger share, or label more groups.');
  }
  if (report.parts.test.images - report.parts.test.unlabeled === 0) {
    warnings.push('The test split has no labelled image, so Evaluate has nothing held out to measure on: give test a share above 0, or label more groups.');
  }
  return warnings;
}

/** Runs made since the current splits were created, i.e. on them (null createdAt: no splits, no such runs). */
export function splitUsers(db: Database): SplitUser[] {
  const since = splitsCreatedAt(db);
  if (since === null) return [];
  const rows = db.prepare('SELECT id, name, status, created_at FROM runs WHERE created_at >= ? ORDER BY id').all(since) as {
    id: number;
    name: string;
    status: string;
    created_at: string;
  }[];
  return rows.map((r) => ({ id: r.id, name: r.name, status: r.status, createdAt: r.created_at }));
}

function classCounts(db: Database, taskId: number | undefined): SplitReport['classes'] {
  if (taskId === undefined) return [];
  const classes = db.prepare('SELECT id, name FROM classes WHERE task_id = ? ORDER BY position, id').all(taskId) as { id: number; name: string }[];
  const rows = db
    .prepare(
      `SELECT l.class_id, s.split, count(*) AS n FROM labels l JOIN splits s ON s.image_id = l.image_id JOIN images i ON i.id = l.image_id
       WHERE l.task_id = ? AND i.excluded = 0 GROUP BY l.class_id, s.split`,
    )
    .all(taskId) as { class_id: number; split: SplitName; n: number }[];
  return classes.map((c) => {
    const counts = emptyCounts();
    for (const r of rows) if (r.class_id === c.id) counts[r.split] = r.n;
    return { classId: c.id, name: c.name, counts };
  });
}
