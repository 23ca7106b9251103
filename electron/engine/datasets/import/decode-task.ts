import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import type { ImportIssue } from '../../../../shared/contract/datasets.ts';
import type { ImageFileInfo } from '../../../../shared/domain/pixels.ts';
import { DEFAULT_MAX_PIXELS, decodeBuffer } from '../../../imaging/decode/index.ts';
import type { DecodeResult } from '../../../imaging/decode/types.ts';
import { contentHash, perceptualHash } from '../../../imaging/hash.ts';
import { shrinkImage } from '../../../imaging/shrink.ts';
import { THUMBNAIL_SIZE, renderThumbnail } from '../thumbnails.ts';
import { PRIVATE_FILE } from '../../projects/paths.ts';
import { classifyDecodeError } from './issues.ts';
import { decodeJpegFast } from '../../../imaging/decode/jpeg-fast.ts';
import { decodePngFast } from '../../../imaging/decode/png-fast.ts';

/**
 * The per-file work of an import that needs no database: read, sha256, decode, pixel hash,
 * perceptual hash, thumbnail (encoded here, stored by the writer with the rows), and the copy into
 * the project in copy mode. It runs in an import
 * worker thread (prepare-pool.ts) or, for small imports, on the engine's own thread; its input and
 * output are plain data so that they cross a thread boundary as they are.
 */
export interface DecodeTask {
  sourcePath: string;
  imagesDir: string;
  copy: boolean;
  maxPixels?: number;
  /** The file's bytes and sha256, when the engine already read them to decide about a re-run. */
  read?: { bytes: Uint8Array; fileHash: string };
}

/** One decoded frame, ready to become a row. */
export interface PreparedFrame {
  frame: number;
  hash: string;
  phash: string | null;
  width: number;
  height: number;
  channels: number;
  bitDepth: number;
  window: { center: number; width: number } | null;
  /** The 256 px JPEG thumbnail, for the project's thumbnail cache. */
  thumbnail: Uint8Array;
}

export interface DecodedFile {
  kind: 'decoded';
  /** Where the row points: the source, or the copy inside the project. */
  path: string;
  fileHash: string;
  info: ImageFileInfo;
  frames: PreparedFrame[];
}

export type DecodeOutcome = DecodedFile | { kind: 'issue'; issue: ImportIssue };

/** Never throws: whatever goes wrong with the file becomes the issue the import report shows. */
export async function runDecodeTask(task: DecodeTask): Promise<DecodeOutcome> {
  let bytes: Buffer | null = null;
  try {
    bytes = task.read ? Buffer.from(task.read.bytes.buffer, task.read.bytes.byteOffset, task.read.bytes.byteLength) : await readSource(task.sourcePath);
    const fileHash = task.read?.fileHash ?? createHash('sha256').update(bytes).digest('hex');
    const decoded = await decode(bytes, task);
    const frames: PreparedFrame[] = [];
    for (const [frame, img] of decoded.frames.entries()) {
      const hash = contentHash(img);
      // pHash averages a 32x32 grid anyway: the 256 px version gives the same bits for a fraction of the work.
      const small = shrinkImage(img, THUMBNAIL_SIZE);
      const jpeg = await renderThumbnail(small);
      // A plain Uint8Array, the type a Buffer arrives as from a worker thread: both paths give equal outcomes.
      const thumbnail = new Uint8Array(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength);
      frames.push({ frame, hash, phash: perceptualHash(small), width: img.width, height: img.height, channels: img.channels, bitDepth: img.bitDepth, window: img.window, thumbnail });
    }
    const path = task.copy ? copyIn(task.sourcePath, bytes, fileHash, task.imagesDir) : task.sourcePath;
    return { kind: 'decoded', path, fileHash, info: decoded.info, frames };
  } catch (e) {
    return { kind: 'issue', issue: classifyDecodeError(task.sourcePath, e, bytes) };
  }
}

/** A worker thread may block on its own read; the engine's thread must not (a slow network drive would freeze it). */
async function readSource(path: string): Promise<Buffer> {
  return isMainThread ? readFile(path) : readFileSync(path);
}

/** The common PNGs and JPEGs through shortcuts, everything else (and every error message) through decode/. */
async function decode(bytes: Buffer, task: DecodeTask): Promise<DecodeResult> {
  const maxPixels = task.maxPixels ?? DEFAULT_MAX_PIXELS;
  return decodePngFast(bytes, maxPixels) ?? (await decodeJpegFast(bytes, maxPixels)) ?? (await decodeBuffer(bytes, basename(task.sourcePath), { maxPixels }));
}

/**
 * Copies are named by the file's sha256: the same file copied twice is stored once. Written under a
 * temporary name first so that a crash never leaves a truncated copy under the final name.
 */
function copyIn(sourcePath: string, bytes: Buffer, fileHash: string, imagesDir: string): string {
  const target = join(imagesDir, `${fileHash}${extname(sourcePath).toLowerCase()}`);
  if (!existsSync(target)) {
    const tmp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(tmp, bytes, { mode: PRIVATE_FILE }); // the umask can only narrow it
    renameSync(tmp, target);
  }
  return target;
}
