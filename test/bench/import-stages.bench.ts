import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import type { DecodedImage } from '../../shared/domain/pixels.ts';
import { decodeBuffer } from '../../electron/imaging/decode/index.ts';
import { contentHash, perceptualHash } from '../../electron/imaging/hash.ts';
import type { PreparedFile } from '../../electron/engine/datasets/import/prepare.ts';
import { decodeJpegFast } from '../../electron/imaging/decode/jpeg-fast.ts';
import { decodePngFast } from '../../electron/imaging/decode/png-fast.ts';
import { NearDuplicateIndex } from '../../electron/engine/datasets/import/near-index.ts';
import { ImportWriter } from '../../electron/engine/datasets/import/writer.ts';
import { emptyReport } from '../../electron/engine/datasets/import/import-job.ts';
import { shrinkImage } from '../../electron/imaging/shrink.ts';
import { renderImage } from '../../electron/imaging/render.ts';
import { renderThumbnail } from '../../electron/engine/datasets/thumbnails.ts';
import { Project } from '../../electron/engine/projects/project.ts';
import { writeBenchFiles } from './import-files.ts';

const FILES = 100;

/**
 * Where an import's time goes, one 512x512 file at a time on one thread (no overlap), in ms per
 * file: each stage of the import next to what it replaced (marked "before"). Stages marked
 * [libvips] run on a libuv thread while the JS thread waits; the others are JavaScript (or zlib,
 * sha256 in C++) on the thread that calls them. Run: `npm run bench import-stages`.
 */
export async function importStages(): Promise<Record<string, Record<string, number>>> {
  const root = mkdtempSync(join(tmpdir(), 'labeltune-bench-stages-'));
  const results: Record<string, Record<string, number>> = {};
  try {
    for (const kind of ['png16', 'jpeg'] as const) {
      const files = await writeBenchFiles(join(root, kind), kind, FILES);
      results[kind] = await stagesFor(files, join(root, `project-${kind}`));
      console.log(`   ${kind} (${FILES} files, load average ${loadavg()[0].toFixed(1)}):`);
      for (const [stage, ms] of Object.entries(results[kind])) console.log(`     ${stage.padEnd(44)} ${ms.toFixed(2)} ms`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return results;
}

async function stagesFor(files: string[], projectDir: string): Promise<Record<string, number>> {
  const total: Record<string, number> = {};
  const time = async <T>(stage: string, fn: () => T | Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const result = await fn();
    total[stage] = (total[stage] ?? 0) + performance.now() - t0;
    return result;
  };
  const prepared: PreparedFile[] = [];
  for (const file of files) {
    await time('read (before: fs/promises readFile)', () => readFile(file));
    const bytes = await time('read (readFileSync, in a worker)', () => readFileSync(file));
    const fileHash = await time('sha256 of the file', () => createHash('sha256').update(bytes).digest('hex'));
    const { frames } = await time('decode (before: decode/ via sharp) [libvips]', () => decodeBuffer(bytes, 'x'));
    const fast = await time('decode (now: zlib PNG / JPEG without metadata())', async () => decodePngFast(bytes, 1e8) ?? (await decodeJpegFast(bytes, 1e8)));
    const img = fast?.frames[0] ?? frames[0];
    const hash = await time('sha256 of the decoded pixels', () => contentHash(img));
    await time('shrink to 256 (before: sharp) [libvips]', () => sharpShrink(img));
    const small = await time('shrink to 256 (JS area average)', () => shrinkImage(img, 256));
    const phash = await time('perceptual hash (256 px)', () => perceptualHash(small));
    await time('thumbnail (before: window + sharp JPEG) [libvips part]', () => renderImage(small, { window: img.window ?? undefined, size: 256, format: 'jpeg', quality: 85 }));
    const jpeg = await time('thumbnail (now: window + JS JPEG encoder)', () => renderThumbnail(small));
    await time('thumbnail (before: a file of its own, tmp + rename)', () => writeThumbnailFile(`${projectDir}-thumbnail-files`, hash, jpeg));
    prepared.push(preparedRow(file, fileHash, hash, phash, img, jpeg));
  }
  await time('database: rows + thumbnail cache (one batch)', () => insertAll(projectDir, prepared));
  return Object.fromEntries(Object.entries(total).map(([stage, ms]) => [stage, ms / files.length]));
}

/** What shrink.ts did before: a sharp pipeline from raw samples. */
async function sharpShrink(img: DecodedImage): Promise<Buffer> {
  const space = img.channels === 1 ? (img.data instanceof Uint8Array ? 'b-w' : 'grey16') : img.data instanceof Uint8Array ? 'srgb' : 'rgb16';
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: img.channels } })
    .toColourspace(space)
    .resize({ width: 256, height: 256, fit: 'inside' })
    .raw({ depth: img.data instanceof Uint8Array ? 'uchar' : 'ushort' })
    .toBuffer();
}

/** How thumbnails were stored before the cache database: a file per content hash, written under a temporary name. */
function writeThumbnailFile(dir: string, hash: string, jpeg: Buffer): void {
  const file = join(dir, hash.slice(0, 2), `${hash}.jpg`);
  if (existsSync(file)) return;
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, jpeg);
  renameSync(tmp, file);
}

function preparedRow(path: string, fileHash: string, hash: string, phash: string, img: DecodedImage, thumbnail: Buffer): PreparedFile {
  const frame = { frame: 0, hash, phash, width: img.width, height: img.height, channels: img.channels, bitDepth: img.bitDepth, window: img.window, thumbnail };
  return { kind: 'new', sourcePath: path, path, copied: false, fileHash, format: 'png', modality: null, groupId: null, metadata: { file: { size: 1 } }, frames: [frame] };
}

function insertAll(projectDir: string, prepared: PreparedFile[]): void {
  const project = Project.create(projectDir, 'stages');
  try {
    const writer = new ImportWriter(project.db, project.thumbnails, emptyReport(6), new NearDuplicateIndex(6), () => undefined, 'bench');
    writer.commit(prepared);
  } finally {
    project.close();
  }
}
