import type { Statement } from 'better-sqlite3';
import type { ImportedSplits } from '../../../shared/contract/datasets.ts';
import type { GroupLeak, SplitName } from '../../../shared/domain/splits.ts';
import { type Database, now } from '../db/database.ts';
import { isLocked, markSplitsChanged } from './store.ts';

/** How a split column may name each split (case ignored): scikit-learn's, Kaggle's and DICOM datasets' usual words. */
const SPLIT_WORDS: Record<string, SplitName> = {
  train: 'train',
  training: 'train',
  val: 'val',
  valid: 'val',
  validation: 'val',
  dev: 'val',
  test: 'test',
  testing: 'test',
  holdout: 'test',
};

/** The split a CSV cell names, null for an empty cell, undefined for a word that is none of them. */
export function splitOfCell(cell: string): SplitName | null | undefined {
  const word = cell.trim().toLowerCase();
  return word === '' ? null : SPLIT_WORDS[word];
}

/**
 * Applies the splits a file gives (the annotation CSV's `split` column) as a fixed, manual split:
 * each named image goes exactly where the file says, whatever the project's split was; images the
 * file does not name keep theirs. Two things are not overridden, and are reported instead:
 * a locked test image stays in test (unlock the test set to move it), and groups (patients) that
 * end up in two splits are listed as leaks — moving them would contradict the file.
 * Writes in the caller's transaction.
 */
export class FixedSplitWriter {
  private readonly result: ImportedSplits = { applied: 0, moved: 0, keptLocked: [], leakingGroups: [] };
  private readonly stmt: Record<'current' | 'put', Statement>;
  private readonly at = now();
  private changed = false;
  /** While the test set is locked, later test images are pinned too (as splits.create does). */
  private readonly locked: boolean;

  constructor(private readonly db: Database) {
    this.locked = isLocked(db);
    this.stmt = {
      current: db.prepare('SELECT split, locked FROM splits WHERE image_id = ?'),
      put: db.prepare('INSERT OR REPLACE INTO splits (image_id, split, locked, assigned_at) VALUES (?, ?, ?, ?)'),
    };
  }

  set(imageId: number, split: SplitName): void {
    const current = this.stmt.current.get(imageId) as { split: SplitName; locked: number } | undefined;
    if (current?.split === split) {
      this.result.applied++;
      return;
    }
    if (current?.locked === 1 && current.split === 'test') {
      this.result.keptLocked.push(imageId);
      return;
    }
    this.stmt.put.run(imageId, split, split === 'test' && this.locked ? 1 : 0, this.at);
    this.result.applied++;
    if (current) this.result.moved++;
    this.changed = true;
  }

  /** What the file did to the splits, with the groups now in two splits; a changed split makes older runs' results stale. */
  finish(): ImportedSplits {
    if (this.changed) markSplitsChanged(this.db, this.at);
    this.result.leakingGroups = leakingGroups(this.db);
    return this.result;
  }
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
    const leak = leaks.get(r.groupId) ?? { groupId: r.groupId, counts: { train: 0, val: 0, test: 0 } };
    leak.counts[r.split] = r.n;
    leaks.set(r.groupId, leak);
  }
  return [...leaks.values()];
}
