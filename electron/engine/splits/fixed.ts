import type { Statement } from 'better-sqlite3';
import type { ImportedSplits } from '../../../shared/contract/datasets.ts';
import type { SplitName } from '../../../shared/domain/splits.ts';
import { type Database, now } from '../db/database.ts';
import { type SplitRow, moveRecorder, recordFileSplitStep } from './file-split-undo.ts';
import { isLocked, leakingGroups, readSplitMeta, recordFileSplit } from './store.ts';

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
 * Writes in the caller's transaction, and keeps what it moved so that undoing the import (its label
 * batch `batchId`) puts the split back (file-split-undo.ts).
 */
export class FixedSplitWriter {
  private readonly result: ImportedSplits = { applied: 0, moved: 0, keptLocked: [], leakingGroups: [] };
  private readonly stmt: Record<'current' | 'put', Statement>;
  private readonly at = now();
  private changed = false;
  /** While the test set is locked, later test images are pinned too (as splits.create does). */
  private readonly locked: boolean;
  private readonly recordMove: ReturnType<typeof moveRecorder>;

  constructor(
    private readonly db: Database,
    private readonly batchId: string,
  ) {
    this.locked = isLocked(db);
    this.recordMove = moveRecorder(db, batchId);
    this.stmt = {
      current: db.prepare('SELECT split, locked, assigned_at AS assignedAt FROM splits WHERE image_id = ?'),
      put: db.prepare('INSERT OR REPLACE INTO splits (image_id, split, locked, assigned_at) VALUES (?, ?, ?, ?)'),
    };
  }

  set(imageId: number, split: SplitName): void {
    const current = this.stmt.current.get(imageId) as (SplitRow & { split: SplitName; assignedAt: string }) | undefined;
    if (current?.split === split) {
      this.result.applied++;
      return;
    }
    if (current?.locked === 1 && current.split === 'test') {
      this.result.keptLocked.push(imageId);
      return;
    }
    const locked = split === 'test' && this.locked ? 1 : 0;
    this.stmt.put.run(imageId, split, locked, this.at);
    this.recordMove(imageId, current ?? { split: null, locked: 0, assignedAt: null }, { split, locked, assignedAt: this.at });
    this.result.applied++;
    if (current) this.result.moved++;
    this.changed = true;
  }

  /**
   * What the file did to the splits, with the groups now in two splits; a changed split makes older
   * runs' results stale, and the Splits view names `file` as where the current split came from.
   */
  finish(file: string): ImportedSplits {
    const before = readSplitMeta(this.db);
    recordFileSplit(this.db, { file, images: this.result.applied, changed: this.changed, at: this.at });
    recordFileSplitStep(this.db, this.batchId, file, before, readSplitMeta(this.db));
    this.result.leakingGroups = leakingGroups(this.db);
    return this.result;
  }
}
