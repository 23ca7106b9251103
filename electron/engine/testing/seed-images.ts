import type { Database } from '../db/database.ts';

/** How to make the i-th synthetic image (0-based); every callback is optional. */
export interface SeedOptions {
  /** Group (patient) id; default none. */
  group?: (i: number) => string | null;
  /** Pixel hash; default unique per image. */
  hash?: (i: number) => string;
  /** 16-hex perceptual hash; default none. */
  phash?: (i: number) => string | null;
  /** Index (0-based, among the images seeded by this call) this image duplicates; default none. */
  duplicateOf?: (i: number) => number | null;
  excluded?: (i: number) => boolean;
  /** Path prefix; default `/data/img`. */
  prefix?: string;
}

/**
 * Insert `n` synthetic image rows directly (no files, no decoding) in one transaction: fast enough
 * for 100k rows, for tests of labels, queries and splits. Rows go in as JSON chunks (one statement
 * per 10k rows) with explicit ids, so the ids are known without reading them back. Returns the new
 * ids in order.
 */
export function seedImages(db: Database, n: number, opts: SeedOptions = {}): number[] {
  const insert = db.prepare(
    `INSERT INTO images (id, hash, phash, path, format, width, height, channels, bit_depth, group_id, excluded, exclude_reason, duplicate_of, imported_at)
     SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, 'png', 64, 64, 1, 16, value ->> 4, value ->> 5,
            CASE WHEN value ->> 5 = 1 THEN 'seeded as excluded' END, value ->> 6, value ->> 7
     FROM json_each(?)`,
  );
  const prefix = opts.prefix ?? '/data/img';
  const start = Date.UTC(2026, 0, 1);
  const first = (db.prepare('SELECT coalesce(max(id), 0) + 1 FROM images').pluck().get() as number);
  const ids = Array.from({ length: n }, (_, i) => first + i);
  const rows = ids.map((id, i) => {
    const dup = opts.duplicateOf?.(i) ?? null;
    return [
      id,
      opts.hash?.(i) ?? `${prefix}-hash-${i}`,
      opts.phash?.(i) ?? null,
      `${prefix}-${String(i).padStart(6, '0')}.png`,
      opts.group?.(i) ?? null,
      opts.excluded?.(i) ? 1 : 0,
      dup === null ? null : ids[dup],
      new Date(start + i * 1000).toISOString(),
    ];
  });
  db.transaction(() => {
    for (let c = 0; c < rows.length; c += 10_000) insert.run(JSON.stringify(rows.slice(c, c + 10_000)));
  })();
  return ids;
}

/** Give images main-task labels straight in the table (no audit events): the bulk setup of query tests. */
export function seedLabels(db: Database, taskId: number, labels: [imageId: number, classId: number][]): void {
  db.prepare(
    `INSERT INTO labels (image_id, task_id, class_id, source, updated_at)
     SELECT value ->> 0, ?, value ->> 1, 'import', '2026-01-01T00:00:00.000Z' FROM json_each(?)`,
  ).run(taskId, JSON.stringify(labels));
}
