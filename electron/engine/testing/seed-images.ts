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
 * for 100k rows, for tests of labels, queries and splits. Returns the new ids in order.
 */
export function seedImages(db: Database, n: number, opts: SeedOptions = {}): number[] {
  const insert = db.prepare(
    `INSERT INTO images (hash, phash, path, format, width, height, channels, bit_depth, group_id, excluded, exclude_reason, duplicate_of, imported_at)
     VALUES (?, ?, ?, 'png', 64, 64, 1, 16, ?, ?, ?, ?, ?)`,
  );
  const prefix = opts.prefix ?? '/data/img';
  const start = Date.UTC(2026, 0, 1);
  return db.transaction(() => {
    const ids: number[] = [];
    for (let i = 0; i < n; i++) {
      const dup = opts.duplicateOf?.(i) ?? null;
      const excluded = opts.excluded?.(i) ?? false;
      const id = insert.run(
        opts.hash?.(i) ?? `${prefix}-hash-${i}`,
        opts.phash?.(i) ?? null,
        `${prefix}-${String(i).padStart(6, '0')}.png`,
        opts.group?.(i) ?? null,
        excluded ? 1 : 0,
        excluded ? 'seeded as excluded' : null,
        dup === null ? null : ids[dup],
        new Date(start + i * 1000).toISOString(),
      ).lastInsertRowid;
      ids.push(Number(id));
    }
    return ids;
  })();
}

/** Give images main-task labels straight in the table (no audit events): the bulk setup of query tests. */
export function seedLabels(db: Database, taskId: number, labels: [imageId: number, classId: number][]): void {
  const insert = db.prepare(`INSERT INTO labels (image_id, task_id, class_id, source, updated_at) VALUES (?, ?, ?, 'import', '2026-01-01T00:00:00.000Z')`);
  db.transaction(() => {
    for (const [imageId, classId] of labels) insert.run(imageId, taskId, classId);
  })();
}
