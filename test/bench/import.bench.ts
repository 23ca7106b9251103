import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { emptyReport, type ImportTuning, runImport } from '../../electron/engine/datasets/import/import-job.ts';
import { NearDuplicateIndex } from '../../electron/engine/datasets/import/near-index.ts';
import { mulberry32 } from '../../shared/random.ts';
import type { JobContext } from '../../electron/engine/jobs/job-manager.ts';
import { Project } from '../../electron/engine/projects/project.ts';
import { writeBenchFiles } from './import-files.ts';

interface Rate {
  perSec: number;
  /** CPU time of the whole process (every thread) per image: the figure a busy machine changes least. */
  cpuMsPerImage: number;
}

interface KindResult {
  import: Rate;
  /** The same import with every file decoded on the engine's thread (no worker threads). */
  importNoWorkers: Rate;
  sharp: Rate;
  ratio: number;
  loadAverage: number;
}

/**
 * Import throughput (read, sha256, decode, pixel hash, perceptual hash, 256 px thumbnail, metadata,
 * batched DB insert) for 512x512 16-bit PNGs and JPEGs, next to a plain sharp decode + resize loop
 * over the same files with the same number of files in flight. The ratio is the figure that travels
 * between machines (the reference is the mean of a run before and one after the imports).
 * Both sides run with sharp's operation cache off, which helped the reference (every file is new,
 * so the cache only costs). Run: `npm run bench import` (IMPORT_BENCH_COUNT=N to change the 1,000 files).
 */
export async function importThroughput(): Promise<Record<string, KindResult>> {
  const count = Number(process.env.IMPORT_BENCH_COUNT ?? 1000);
  const root = mkdtempSync(join(tmpdir(), 'labeltune-bench-import-'));
  const results: Record<string, KindResult> = {};
  const cache = sharp.cache();
  sharp.cache(false);
  try {
    for (const kind of ['png16', 'jpeg'] as const) {
      const files = await writeBenchFiles(join(root, kind), kind, count);
      const dir = join(root, kind);
      // The reference runs before and after the imports and is averaged, so that a change in machine
      // load during the run (shared CI runners) moves both sides of the ratio alike.
      const before = await measure(count, () => sharpLoop(files));
      const imported = await measure(count, () => importLoop(join(root, `project-${kind}`), dir, count, {}));
      const inProcess = await measure(count, () => importLoop(join(root, `project-${kind}-here`), dir, count, { workers: 0 }));
      const after = await measure(count, () => sharpLoop(files));
      const ref = { perSec: (before.perSec + after.perSec) / 2, cpuMsPerImage: (before.cpuMsPerImage + after.cpuMsPerImage) / 2 };
      results[kind] = { import: imported, importNoWorkers: inProcess, sharp: ref, ratio: imported.perSec / ref.perSec, loadAverage: loadavg()[0] };
      console.log(
        `   ${kind.padEnd(6)} ${count} files 512x512 (load average ${loadavg()[0].toFixed(1)}): import ${rate(imported)}, ` +
          `without workers ${rate(inProcess)}, sharp decode+resize ${rate(ref)}, ratio ${(imported.perSec / ref.perSec).toFixed(2)}`,
      );
    }
  } finally {
    sharp.cache({ memory: cache.memory.max, files: cache.files.max, items: cache.items.max });
    rmSync(root, { recursive: true, force: true });
  }
  return results;
}

const rate = (r: Rate) => `${r.perSec.toFixed(0)} img/s (${r.cpuMsPerImage.toFixed(1)} ms CPU/img)`;

async function measure(count: number, run: () => Promise<void>): Promise<Rate> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { perSec: count / seconds, cpuMsPerImage: (cpu.user + cpu.system) / 1000 / count };
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

/** The reference's files in flight: what the import keeps in flight on 2 cores (1 worker + 2 on the engine thread + 1 waiting). */
const IN_FLIGHT = 4;

async function sharpLoop(files: string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < files.length) await sharp(files[next++]).resize(256, 256, { fit: 'inside' }).raw().toBuffer();
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

async function importLoop(projectDir: string, dir: string, count: number, tuning: ImportTuning): Promise<void> {
  const project = Project.create(projectDir, 'bench');
  const job: JobContext = { jobId: 'bench', signal: new AbortController().signal, progress: () => {}, throwIfCancelled: () => {} };
  try {
    const report = await runImport(project, { paths: [dir] }, job, emptyReport(6), tuning);
    if (report.imported !== count) throw new Error(`bench import imported ${report.imported} of ${count}: ${JSON.stringify(report.issues.slice(0, 3))}`);
  } finally {
    project.close();
  }
}
