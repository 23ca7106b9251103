import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { validation } from '../../../shared/contract/errors.ts';
import type { CheckpointChoice } from '../../../shared/domain/evaluation.ts';
import type { RunCheckpoint } from '../../../shared/domain/run.ts';
import type { Database } from '../db/database.ts';
import { forgetCheckpoints, latestCheckpoint } from './store.ts';

/** The trainer's names (saveCheckpoint): `epoch-001.safetensors`, written first as `.epoch-001.safetensors.tmp`. */
const CHECKPOINT = /^epoch-\d+\.safetensors$/;
const PARTIAL = /^\.epoch-\d+\.safetensors\.tmp$/;
/** Writing a checkpoint takes seconds: a partial file this old has no writer any more. */
const ABANDONED_AFTER_MS = 10 * 60_000;

/**
 * The checkpoint file of a run that evaluation, prediction, Grad-CAM and export load: the best by
 * validation loss (or the newest when none is marked best), or the newest with `which: 'last'`.
 */
export function checkpointFile(db: Database, projectDir: string, runId: number, which: CheckpointChoice = 'best'): string {
  return chooseCheckpoint(db, projectDir, runId, which).path;
}

/** As checkpointFile, with the epoch the chosen checkpoint was written after (1-based). */
export function chooseCheckpoint(db: Database, projectDir: string, runId: number, which: CheckpointChoice): { path: string; epoch: number } {
  const order = which === 'best' ? 'is_best DESC, epoch DESC' : 'epoch DESC';
  const row = db.prepare(`SELECT path, epoch FROM checkpoints WHERE run_id = ? ORDER BY ${order} LIMIT 1`).get(runId) as { path: string; epoch: number } | undefined;
  if (!row) throw validation(`Run ${runId} has no checkpoint yet: let it train at least one epoch first.`);
  return { path: absolute(projectDir, row.path), epoch: row.epoch };
}

/**
 * Before a run resumes (no trainer of it is alive): delete its partial checkpoints and the
 * checkpoint files no row names (written but never recorded, or dropped but not yet deleted when
 * the trainer died), forget rows whose file is gone, and return the checkpoint to resume from.
 */
export function tidyRunCheckpoints(db: Database, projectDir: string, runId: number): RunCheckpoint | null {
  const rows = db.prepare('SELECT path FROM checkpoints WHERE run_id = ?').pluck().all(runId) as string[];
  const missing = rows.filter((p) => !existsSync(absolute(projectDir, p)));
  if (missing.length) forgetCheckpoints(db, runId, missing);
  const named = new Set(rows.map((p) => resolve(absolute(projectDir, p))));
  const dir = join(projectDir, 'checkpoints', String(runId));
  for (const f of listDir(dir)) {
    const file = join(dir, f);
    if (PARTIAL.test(f) || (CHECKPOINT.test(f) && !named.has(resolve(file)))) rmSync(file, { force: true });
  }
  return latestCheckpoint(db, runId);
}

/**
 * When a project opens: delete partial checkpoints a killed trainer left (up to the model's size
 * each). A run marked training may be live in another process, so its recent partial files stay.
 */
export function removePartialCheckpoints(db: Database, projectDir: string): string[] {
  const active = new Set((db.prepare(`SELECT id FROM runs WHERE status IN ('running', 'paused', 'queued')`).pluck().all() as number[]).map(String));
  const root = join(projectDir, 'checkpoints');
  const removed: string[] = [];
  for (const run of listDir(root)) {
    for (const f of listDir(join(root, run)).filter((name) => PARTIAL.test(name))) {
      const file = join(root, run, f);
      if (active.has(run) && Date.now() - statSync(file).mtimeMs < ABANDONED_AFTER_MS) continue;
      rmSync(file, { force: true });
      removed.push(file);
    }
  }
  return removed;
}

function absolute(projectDir: string, path: string): string {
  return isAbsolute(path) ? path : join(projectDir, path);
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (e) {
    // No checkpoints yet (or a stray file where a run folder would be): nothing to tidy.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw e;
  }
}
