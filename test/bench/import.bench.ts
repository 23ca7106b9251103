import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { encodeGrey16Png } from '../../electron/engine/datasets/demo/png16.ts';
import { emptyReport, runImport } from '../../electron/engine/datasets/import/import-job.ts';
import { NearDuplicateIndex } from '../../electron/engine/datasets/import/near-index.ts';
import { mulberry32 } from '../../shared/random.ts';
import type { JobContext } from '../../electron/engine/jobs/job-manager.ts';
import { Project } from '../../electron/engine/projects/project.ts';

/**
 * Import throughput (read, sha256, decode, pixel hash, perceptual hash, 256 px thumbnail, metadata,
 * batched DB insert) for 512x512 16-bit PNGs and JPEGs, next to a plain sharp decode + resize loop
 * over the same files with the same number of files in flight. The ratio is the figure that travels
 * between machines (the reference is the mean of a run before and one after the import). Run: `npm run bench import` (IMPORT_BENCH_COUNT=N to change the 1,000 files).
 */
export async function importThroughput(): Promise<Record<string, { importPerSec: number; sharpPerSec: number; ratio: number }>> {
  const count = Number(process.env.IMPORT_BENCH_COUNT ?? 1000);
  const root = mkdtempSync(join(tmpdir(), 'labeltune-bench-import-'));
  const results: Record<string, { importPerSec: number; sharpPerSec: number; ratio: number }> = {};
  try {
    for (const kind of ['png16', 'jpeg'] as const) {
      const dir = join(root, kind);
      await writeFiles(dir, kind, count);
      const files = readdirSync(dir).map((f) => join(dir, f));
      // The reference runs before and after the import and is averaged, so that a change in machine
      // load during the run (shared CI runners) moves both sides of the ratio alike.
      const before = await sharpLoop(files);
      const importPerSec = await importLoop(join(root, `project-${kind}`), dir, count);
      const sharpPerSec = (before + (await sharpLoop(files))) / 2;
      results[kind] = { importPerSec, sharpPerSec, ratio: importPerSec / sharpPerSec };
      console.log(
        `   ${kind.padEnd(6)} ${count} files 512x512: import ${importPerSec.toFixed(0)} img/s, ` +
          `sharp decode+resize ${sharpPerSec.toFixed(0)} img/s, ratio ${(importPerSec / sharpPerSec).toFixed(2)}`,
      );
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return results;
}

/** Near-duplicate lookups in a 100k-image project at the import's threshold (6 bits of 64). */
export async function nearDuplicateSearch(): Promise<{ buildMs: number; microsPerQuery: number }> {
  const random = mulberry32(1);
  const word = () => Math.floor(random() * 2 ** 32).toString(16).padStart(8, '0');
  const index = new NearDuplicateIndex(6);
  const t0 = performance.now();
  for (let i = 0; i < 100_000; i++) index.add(i, word() + word());
  const buildMs = performance.now() - t0;
  const t1 = performance.now();
  for (let q = 0; q < 10_000; q++) index.query(word() + word());
  const microsPerQuery = ((performance.now() - t1) * 1000) / 10_000;
  console.log(`   100k hashes indexed in ${buildMs.toFixed(0)} ms; ${microsPerQuery.toFixed(0)} us per query (${(index.comparisons / 10_000).toFixed(0)} comparisons)`);
  return { buildMs, microsPerQuery };
}

const SIZE = 512;
const IN_FLIGHT = 4;

async function writeFiles(dir: string, kind: 'png16' | 'jpeg', count: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (let k = 0; k < count; k++) {
    const name = join(dir, `${String(k).padStart(5, '0')}.${kind === 'png16' ? 'png' : 'jpg'}`);
    if (kind === 'png16') writeFileSync(name, encodeGrey16Png(SIZE, SIZE, grey16(k)));
    else await sharp(rgb8(k), { raw: { width: SIZE, height: SIZE, channels: 3 } }).jpeg({ quality: 90 }).toFile(name);
  }
}

/** Smooth anatomy-like structure plus noise, different for every k (no accidental duplicates). */
function grey16(k: number): Uint16Array {
  const out = new Uint16Array(SIZE * SIZE);
  let s = (k + 1) * 2654435761;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      s = (s * 1103515245 + 12345) >>> 0;
      out[y * SIZE + x] = 8000 + 6000 * Math.sin((x + k) / 37) * Math.cos(y / 53) + (s >>> 22);
    }
  }
  return out;
}

function rgb8(k: number): Buffer {
  const out = Buffer.alloc(SIZE * SIZE * 3);
  for (let i = 0; i < out.length; i++) out[i] = (128 + 100 * Math.sin((i % (SIZE * 3)) / (17 + (k % 11)) + k) + ((i * 7) % 13)) & 0xff;
  return out;
}

async function sharpLoop(files: string[]): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < files.length) await sharp(files[next++]).resize(256, 256, { fit: 'inside' }).raw().toBuffer();
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return files.length / ((performance.now() - t0) / 1000);
}

async function importLoop(projectDir: string, dir: string, count: number): Promise<number> {
  const project = Project.create(projectDir, 'bench');
  const job: JobContext = { jobId: 'bench', signal: new AbortController().signal, progress: () => {}, throwIfCancelled: () => {} };
  try {
    const t0 = performance.now();
    const report = await runImport(project, { paths: [dir] }, job, emptyReport(6), { concurrency: IN_FLIGHT });
    const seconds = (performance.now() - t0) / 1000;
    if (report.imported !== count) throw new Error(`bench import imported ${report.imported} of ${count}: ${JSON.stringify(report.issues.slice(0, 3))}`);
    return count / seconds;
  } finally {
    project.close();
  }
}
