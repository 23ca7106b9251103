import type { Statement } from 'better-sqlite3';
import type { ImportReport, ImportedSplits } from '../../../../shared/contract/datasets.ts';
import type { SplitName } from '../../../../shared/domain/splits.ts';
import { type Database, now } from '../../db/database.ts';
import type { ThumbnailCache } from '../../db/thumbnail-cache.ts';
import { FixedSplitWriter } from '../../splits/fixed.ts';
import { ImportLabelWriter } from './label-writer.ts';
import type { NearDuplicateIndex } from './near-index.ts';
import type { Prepared, PreparedFile, PreparedFrame } from './prepare.ts';

/** Labels and group that the CSV or the folder layout give a file. */
export interface FileLabels {
  main?: string;
  aux?: string;
  group?: string;
  /** From a CSV with an "excluded" column: the image is set to exactly this. */
  exclusion?: { excluded: boolean; reason: string | null };
  /** From a CSV's split column: the image is put in exactly this split (FixedSplitWriter). */
  split?: SplitName;
}

/** The near-duplicate list in a report stops here; `nearTotal` keeps counting. */
const MAX_NEAR_LISTED = 1000;

/**
 * The only part of an import that writes the database: one transaction per batch of prepared
 * files, so that a crash loses at most the batch in flight and never leaves half an image. The
 * batch's thumbnails go to the thumbnail cache just before, so every row that survives has one.
 */
export class ImportWriter {
  private readonly labels: ImportLabelWriter;
  private readonly splits: FixedSplitWriter;
  private readonly stmt: Record<'insert' | 'original' | 'pathOf' | 'group' | 'byPath' | 'exclude', Statement>;

  constructor(
    private readonly db: Database,
    private readonly thumbnails: ThumbnailCache,
    private readonly report: ImportReport,
    private readonly near: NearDuplicateIndex,
    private readonly labelsFor: (sourcePath: string) => FileLabels | undefined,
    batchId: string,
  ) {
    this.labels = new ImportLabelWriter(db, batchId);
    this.splits = new FixedSplitWriter(db, batchId);
    this.stmt = {
      insert: db.prepare(`INSERT INTO images (hash, file_hash, phash, path, frame, copied, format, width, height, channels,
          bit_depth, modality, group_id, window_center, window_width, metadata, duplicate_of, imported_at)
        VALUES (@hash, @fileHash, @phash, @path, @frame, @copied, @format, @width, @height, @channels,
          @bitDepth, @modality, @groupId, @wc, @ww, @metadata, @duplicateOf, @at)
        ON CONFLICT (path, frame) DO NOTHING`),
      original: db.prepare('SELECT id, path FROM images WHERE hash = ? AND duplicate_of IS NULL ORDER BY id LIMIT 1'),
      pathOf: db.prepare('SELECT path FROM images WHERE id = ?'),
      group: db.prepare('UPDATE images SET group_id = ? WHERE id = ? AND group_id IS NULL'),
      byPath: db.prepare('SELECT id FROM images WHERE path = ? ORDER BY frame'),
      exclude: db.prepare('UPDATE images SET excluded = ?, exclude_reason = ? WHERE id = ?'),
    };
  }

  /** Write a batch in one transaction (an error here fails the job: it means a bug, not a bad file). */
  commit(batch: Prepared[]): void {
    if (batch.length === 0) return;
    this.thumbnails.putMany(batch.flatMap((p) => (p.kind === 'new' ? p.frames.map((f) => ({ hash: f.hash, jpeg: f.thumbnail })) : [])));
    this.db.transaction(() => batch.forEach((p) => this.write(p)))();
  }

  /** Ids of images already in the project at `path` (labels from a CSV for files imported earlier). */
  idsAtPath(path: string): number[] {
    return this.stmt.byPath.pluck().all(path) as number[];
  }

  get classesCreated(): string[] {
    return this.labels.classesCreated;
  }

  get applied() {
    return this.labels.applied;
  }

  /** After the last batch: what the CSV's split column (of `file`) did, with the groups left in two splits. */
  finishSplits(file: string): ImportedSplits {
    return this.db.transaction(() => this.splits.finish(file))();
  }

  private write(p: Prepared): void {
    if (p.kind === 'issue') {
      this.report.issues.push(p.issue);
      return;
    }
    const ids = p.kind === 'new' ? this.insertFile(p) : p.imageIds;
    if (p.kind === 'skipped') this.report.skipped++;
    const extra = this.labelsFor(p.sourcePath);
    if (!extra) return;
    for (const id of ids) {
      if (extra.main) this.labels.setCell(id, 'main', extra.main);
      if (extra.aux) this.labels.setCell(id, 'aux', extra.aux);
      if (extra.group && p.kind === 'skipped') this.stmt.group.run(extra.group, id);
      if (extra.exclusion) this.stmt.exclude.run(extra.exclusion.excluded ? 1 : 0, extra.exclusion.excluded ? extra.exclusion.reason : null, id);
      if (extra.split) this.splits.set(id, extra.split);
    }
  }

  private insertFile(p: PreparedFile): number[] {
    const at = now();
    const metadata = JSON.stringify(p.metadata);
    const group = p.groupId ?? this.labelsFor(p.sourcePath)?.group ?? null;
    const ids: number[] = [];
    for (const f of p.frames) {
      const original = this.stmt.original.get(f.hash) as { id: number; path: string } | undefined;
      const res = this.stmt.insert.run(rowParams(p, f, { metadata, group, at, duplicateOf: original?.id ?? null }));
      if (res.changes === 0) {
        // Another source file already became this copy (copy mode, identical bytes): nothing new.
        this.report.skipped++;
        return ids;
      }
      const id = Number(res.lastInsertRowid);
      ids.push(id);
      this.report.imported++;
      if (original) {
        this.report.duplicates.exact.push({ path: p.path, frame: f.frame, imageId: id, duplicateOf: { imageId: original.id, path: original.path } });
      } else if (f.phash) this.findNear(id, p.path, f.phash);
    }
    return ids;
  }

  private findNear(id: number, path: string, phash: string): void {
    for (const hit of this.near.query(phash)) {
      this.report.duplicates.nearTotal++;
      if (this.report.duplicates.near.length < MAX_NEAR_LISTED) {
        const otherPath = this.stmt.pathOf.pluck().get(hit.id) as string;
        this.report.duplicates.near.push({ imageId: id, path, otherId: hit.id, otherPath, distance: hit.distance });
      }
    }
    this.near.add(id, phash);
  }
}

function rowParams(p: PreparedFile, f: PreparedFrame, o: { metadata: string; group: string | null; at: string; duplicateOf: number | null }) {
  return {
    hash: f.hash,
    fileHash: p.fileHash,
    phash: f.phash,
    path: p.path,
    frame: f.frame,
    copied: p.copied ? 1 : 0,
    format: p.format,
    width: f.width,
    height: f.height,
    channels: f.channels,
    bitDepth: f.bitDepth,
    modality: p.modality,
    groupId: o.group,
    wc: f.window?.center ?? null,
    ww: f.window?.width ?? null,
    metadata: o.metadata,
    duplicateOf: o.duplicateOf,
    at: o.at,
  };
}
