import { isAbsolute, join } from 'node:path';
import { validation } from '../../../shared/contract/errors.ts';
import type { Database } from '../db/database.ts';

/**
 * The checkpoint file of a run that evaluation, prediction, Grad-CAM and export load: the best by
 * validation loss (or the newest when none is marked best), or the newest with `which: 'last'`.
 */
export function checkpointFile(db: Database, projectDir: string, runId: number, which: 'best' | 'last' = 'best'): string {
  const order = which === 'best' ? 'is_best DESC, epoch DESC' : 'epoch DESC';
  const row = db.prepare(`SELECT path FROM checkpoints WHERE run_id = ? ORDER BY ${order} LIMIT 1`).get(runId) as { path: string } | undefined;
  if (!row) throw validation(`Run ${runId} has no checkpoint yet: let it train at least one epoch first.`);
  return isAbsolute(row.path) ? row.path : join(projectDir, row.path);
}
