import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { withFileLock } from '../../electron/engine/projects/file-lock.ts';
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
  // A lock older than 10 s was left by a killed run and is taken over.
  withFileLock(LOCK, () => {
    const suites = Object.fromEntries(
      readdirSync(PARTS)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => [f.slice(0, -'.json'.length), JSON.parse(readFileSync(join(PARTS, f), 'utf8')) as unknown]),
    );
    const machine = { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown' };
    writeAtomically(join(RESULTS, 'reliability.json'), { machine, suites });
  }, { staleMs: 10_000, waitMs: 10_000, mode: 0o644 });
}

function writeAtomically(file: string, value: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file);
}

