import { notFound } from '../../../shared/contract/errors.ts';
import type { ImageDetail } from '../../../shared/domain/images.ts';
import type { Database } from '../db/database.ts';
import { SUMMARY_COLUMNS, type SummaryRow, labelsOf, toSummary } from './query.ts';

interface DetailRow extends SummaryRow {
  hash: string;
  file_hash: string | null;
  phash: string | null;
  frame: number;
  copied: number;
  channels: number;
  modality: string | null;
  window_center: number | null;
  window_width: number | null;
  metadata: string;
  exclude_reason: string | null;
  imported_at: string;
  locked: number | null;
}

export function imageDetail(db: Database, id: number): ImageDetail {
  const r = db
    .prepare(
      `SELECT ${SUMMARY_COLUMNS}, i.hash, i.file_hash, i.phash, i.frame, i.copied, i.channels, i.modality, i.window_center,
              i.window_width, i.metadata, i.exclude_reason, i.imported_at, s.locked
       FROM images i LEFT JOIN splits s ON s.image_id = i.id WHERE i.id = ?`,
    )
    .get(id) as DetailRow | undefined;
  if (!r) throw notFound(`Image ${id} does not exist; it may have been removed. Reload the image list.`);
  const duplicates = db
    .prepare(
      `SELECT id FROM images WHERE id <> ? AND (hash = ? OR duplicate_of = ? OR id = ?
         OR (duplicate_of IS NOT NULL AND duplicate_of = ?)) ORDER BY id`,
    )
    .pluck()
    .all(id, r.hash, id, r.duplicate_of ?? -1, r.duplicate_of ?? -1) as number[];
  return {
    ...toSummary(r, labelsOf(db, [id]).get(id)),
    hash: r.hash,
    fileHash: r.file_hash,
    phash: r.phash,
    frame: r.frame,
    copied: r.copied === 1,
    channels: r.channels,
    modality: r.modality,
    window: r.window_center !== null && r.window_width !== null ? { center: r.window_center, width: r.window_width } : null,
    metadata: parseMetadata(r.metadata),
    excludeReason: r.exclude_reason,
    importedAt: r.imported_at,
    splitLocked: r.locked === 1,
    exactDuplicates: duplicates,
  };
}

function parseMetadata(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    // A damaged metadata column must not hide the image; the viewer shows no tags instead.
    return {};
  }
}

/** Mark images excluded (or included again); returns how many rows changed. */
export function setExcluded(db: Database, imageIds: number[], excluded: boolean, reason: string | null): number {
  const ids = JSON.stringify(imageIds);
  const result = excluded
    ? db
        .prepare('UPDATE images SET excluded = 1, exclude_reason = ? WHERE id IN (SELECT value FROM json_each(?)) AND (excluded = 0 OR exclude_reason IS NOT ?)')
        .run(reason, ids, reason)
    : db.prepare('UPDATE images SET excluded = 0, exclude_reason = NULL WHERE id IN (SELECT value FROM json_each(?)) AND excluded = 1').run(ids);
  return result.changes;
}
