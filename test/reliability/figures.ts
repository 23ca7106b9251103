import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** test-results/ (git-ignored): the figures of the last run, which docs/reliability.md quotes. */
const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const PARTS = join(RESULTS, 'reliability');
const LOCK = join(RESULTS, 'reliability.json.lock');

/** Counts one reliability test file reports: what it did and what was lost (0 when it passes). */
export type Figures = Record<string, number | string | Record<string, number>>;

/**
 * Record a suite's figures: its own part file, then test-results/reliability.json merged from every
 * part under a lock file (test files run in parallel processes, and the last merge must see all).
 */
export function recordFigures(suite: string, figures: Figures, elapsedMs: number): void {
  mkdirSync(PARTS, { recursive: true });
  const part = { suite, at: new Date().toISOString(), elapsedMs: Math.round(elapsedMs), ...figures };
  writeAtomically(join(PARTS, `${suite}.json`), part);
  withLock(() => {
    const suites = Object.fromEntries(
      readdirSync(PARTS)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => [f.slice(0, -'.json'.length), JSON.parse(readFileSync(join(PARTS, f), 'utf8')) as unknown]),
    );
    const machine = { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown' };
    writeAtomically(join(RESULTS, 'reliability.json'), { machine, suites });
  });
}

function writeAtomically(file: string, value: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file);
}

/** A lock file made with O_EXCL; one older than 10 s was left by a killed run and is taken over. */
function withLock(fn: () => void): void {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      closeSync(openSync(LOCK, 'wx'));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (Date.now() > deadline || Date.now() - mtimeOf(LOCK) > 10_000) rmSync(LOCK, { force: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
  try {
    fn();
  } finally {
    rmSync(LOCK, { force: true });
  }
}

function mtimeOf(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return Date.now();
  }
}

/** A seeded generator (mulberry32): the same seed gives the same campaign on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
