import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { ImportIssue } from '../../../../shared/contract/datasets.ts';
import type { ImageFileInfo } from '../../../../shared/domain/pixels.ts';
import type { Statement } from 'better-sqlite3';
import type { Project } from '../../projects/project.ts';
import type { DecodeOutcome, DecodeTask, PreparedFrame } from './decode-task.ts';
import { classifyDecodeError } from './issues.ts';

export type { PreparedFrame } from './decode-task.ts';

/** A file read, hashed, decoded and thumbnailed; only the database write is left. */
export interface PreparedFile {
  kind: 'new';
  sourcePath: string;
  path: string;
  copied: boolean;
  fileHash: string;
  format: string;
  modality: string | null;
  groupId: string | null;
  metadata: Record<string, unknown>;
  frames: PreparedFrame[];
}

/** Runs the database-free part of preparing a file: in a worker pool, or right here for small imports. */
export type RunDecodeTask = (task: DecodeTask) => Promise<DecodeOutcome>;

export type Prepared =
  | PreparedFile
  | { kind: 'skipped'; sourcePath: string; imageIds: number[] }
  | { kind: 'issue'; sourcePath: string; issue: ImportIssue };

export interface PrepareEnv {
  imagesDir: string;
  copy: boolean;
  maxPixels?: number;
  /** Rows already at a path, with the file size and time recorded when they were imported. */
  rowsAtPath: Statement;
  /** Ids of copied rows with a given file sha256. */
  copiedWithFileHash: Statement;
}

export function prepareEnv(project: Project, opts: { copy: boolean; maxPixels?: number }): PrepareEnv {
  return {
    imagesDir: project.folder('images'),
    copy: opts.copy,
    maxPixels: opts.maxPixels,
    rowsAtPath: project.db.prepare(
      `SELECT id, file_hash, json_extract(metadata, '$.file.size') AS size, json_extract(metadata, '$.file.mtimeMs') AS mtime
       FROM images WHERE path = ? ORDER BY frame`,
    ),
    copiedWithFileHash: project.db.prepare('SELECT id FROM images WHERE file_hash = ? AND copied = 1 ORDER BY frame').pluck(),
  };
}

interface ExistingRow {
  id: number;
  file_hash: string | null;
  size: number | null;
  mtime: number | null;
}

/**
 * Everything about one file except the database write: the expensive part, run for several files
 * at once. Cheap checks come first so that a re-run over imported files reads no pixels; the
 * decoding itself goes to `decodeTask` (a worker thread when the import is large).
 */
export async function prepareFile(sourcePath: string, env: PrepareEnv, decodeTask: RunDecodeTask): Promise<Prepared> {
  const issue = (i: ImportIssue): Prepared => ({ kind: 'issue', sourcePath, issue: i });
  let bytes: Buffer | null = null;
  try {
    const st = await stat(sourcePath);
    if (!st.isFile()) return issue({ path: sourcePath, code: 'unreadable', message: `${sourcePath} is not a regular file (folder, device or pipe); it was left out.` });
    if (st.size === 0) return issue({ path: sourcePath, code: 'empty', message: `${sourcePath} is empty (0 bytes); copy it again from its source.` });
    const atPath = env.copy ? [] : (env.rowsAtPath.all(sourcePath) as ExistingRow[]);
    if (atPath.length > 0 && atPath[0].size === st.size && atPath[0].mtime === Math.round(st.mtimeMs)) {
      return { kind: 'skipped', sourcePath, imageIds: atPath.map((r) => r.id) };
    }
    const task: DecodeTask = { sourcePath, imagesDir: env.imagesDir, copy: env.copy, maxPixels: env.maxPixels };
    // A new file in place: the decoder reads and hashes it. Otherwise the file hash decides first.
    if (atPath.length === 0 && !env.copy) return finish(sourcePath, st, env, await decodeTask(task));
    bytes = await readFile(sourcePath);
    const fileHash = createHash('sha256').update(bytes).digest('hex');
    if (atPath.length > 0) return sameFileAgain(sourcePath, atPath, fileHash);
    // In copy mode the row's path is our copy, so a file copied in before is recognised by its bytes.
    const copied = env.copy ? (env.copiedWithFileHash.all(fileHash) as number[]) : [];
    if (copied.length > 0) return { kind: 'skipped', sourcePath, imageIds: copied };
    return finish(sourcePath, st, env, await decodeTask({ ...task, read: { bytes, fileHash } }));
  } catch (e) {
    return issue(classifyDecodeError(sourcePath, e, bytes));
  }
}

function finish(sourcePath: string, st: Stats, env: PrepareEnv, outcome: DecodeOutcome): Prepared {
  if (outcome.kind === 'issue') return { kind: 'issue', sourcePath, issue: outcome.issue };
  const { info } = outcome;
  return {
    kind: 'new',
    sourcePath,
    path: outcome.path,
    copied: env.copy,
    fileHash: outcome.fileHash,
    format: info.format,
    modality: info.modality,
    groupId: info.groupId,
    metadata: fileMetadata(info, st, env.copy ? sourcePath : null),
    frames: outcome.frames,
  };
}

function sameFileAgain(sourcePath: string, rows: ExistingRow[], fileHash: string): Prepared {
  if (rows[0].file_hash === fileHash) return { kind: 'skipped', sourcePath, imageIds: rows.map((r) => r.id) };
  return {
    kind: 'issue',
    sourcePath,
    issue: {
      path: sourcePath,
      code: 'changed',
      message:
        `${sourcePath} was imported before (image ${rows[0].id}) but its content has changed since. ` +
        `Save the new version under a new name to import it next to the old one.`,
    },
  };
}

function fileMetadata(info: ImageFileInfo, st: Stats, source: string | null): Record<string, unknown> {
  const file: Record<string, unknown> = { size: st.size, mtimeMs: Math.round(st.mtimeMs) };
  if (source) file.source = source;
  return { ...info.metadata, frames: info.frames, file };
}
