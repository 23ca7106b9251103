import { notFound } from '../../../shared/contract/errors.ts';
import type { RunCheckpoint, RunConfig, RunDetail, RunInfo, RunMetricRow, RunStatus, RunSummary } from '../../../shared/domain/run.ts';
import { type Database, now } from '../db/database.ts';

/** Reads and writes of the runs, run_metrics and checkpoints tables (the engine is their only writer). */
interface RunRow {
  id: number;
  name: string;
  status: RunStatus;
  backbone: string;
  strategy: string;
  config: string;
  backend: string | null;
  trainable_params: number | null;
  total_params: number | null;
  best_epoch: number | null;
  best_metric: number | null;
  summary: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export function insertRun(db: Database, name: string, config: RunConfig, params: { trainable: number; total: number }): number {
  const info = db
    .prepare(
      `INSERT INTO runs (name, status, backbone, strategy, config, trainable_params, total_params, created_at)
       VALUES (?, 'queued', ?, ?, ?, ?, ?, ?)`,
    )
    .run(name, config.backbone, config.strategy, JSON.stringify(config), params.trainable, params.total, now());
  return Number(info.lastInsertRowid);
}

export function updateRun(db: Database, id: number, fields: Partial<Record<keyof RunRow | 'backend_report', unknown>>): void {
  const keys = Object.keys(fields);
  if (!keys.length || !db.open) return;
  const values = keys.map((k) => {
    const v = (fields as Record<string, unknown>)[k];
    return v !== null && typeof v === 'object' ? JSON.stringify(v) : v;
  });
  db.prepare(`UPDATE runs SET ${keys.map((k) => `${k} = ?`).join(', ')} WHERE id = ?`).run(...values, id);
}

export function insertMetrics(db: Database, runId: number, row: RunMetricRow): void {
  db.prepare(
    `INSERT OR REPLACE INTO run_metrics (run_id, epoch, train_loss, val_loss, val_accuracy, val_auc, alpha, images_per_sec, learning_rates, extra, at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(runId, row.epoch, row.trainLoss, row.valLoss, row.valAccuracy, row.valAuc, row.alpha, row.imagesPerSec, JSON.stringify(row.learningRates), JSON.stringify(row.extra), row.at);
}

/**
 * Record a checkpoint; `isBest` moves the best mark to it. In the same transaction the rows of
 * checkpoints that are neither this newest one nor the best are dropped; their paths are returned
 * for the trainer to delete afterwards, so no row ever names a deleted file.
 */
export function recordCheckpoint(db: Database, runId: number, ckpt: RunCheckpoint): string[] {
  return db.transaction(() => {
    if (ckpt.isBest) db.prepare('UPDATE checkpoints SET is_best = 0 WHERE run_id = ?').run(runId);
    db.prepare(
      `INSERT OR REPLACE INTO checkpoints (run_id, epoch, path, metric, is_best, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(runId, ckpt.epoch, ckpt.path, ckpt.metric, ckpt.isBest ? 1 : 0, now());
    const stale = 'FROM checkpoints WHERE run_id = ? AND epoch <> ? AND is_best = 0';
    const paths = db.prepare(`SELECT path ${stale}`).pluck().all(runId, ckpt.epoch) as string[];
    db.prepare(`DELETE ${stale}`).run(runId, ckpt.epoch);
    return paths;
  })();
}

/** Forget checkpoints whose files are gone (runs recorded before the trainer waited for the engine). */
export function forgetCheckpoints(db: Database, runId: number, paths: string[]): void {
  const del = db.prepare('DELETE FROM checkpoints WHERE run_id = ? AND path = ?');
  db.transaction(() => paths.forEach((p) => del.run(runId, p)))();
}

export function latestCheckpoint(db: Database, runId: number): RunCheckpoint | null {
  const row = db.prepare('SELECT epoch, path, metric, is_best FROM checkpoints WHERE run_id = ? ORDER BY epoch DESC LIMIT 1').get(runId) as
    | { epoch: number; path: string; metric: number | null; is_best: number }
    | undefined;
  return row ? { epoch: row.epoch, path: row.path, metric: row.metric, isBest: row.is_best === 1 } : null;
}

function toInfo(r: RunRow, jobId: string | null): RunInfo {
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    backbone: r.backbone,
    strategy: r.strategy as RunInfo['strategy'],
    // Configs recorded before the pad mode existed were cropped.
    config: { resize: 'crop', ...(JSON.parse(r.config) as Partial<RunConfig>) } as RunConfig,
    backend: r.backend,
    trainableParams: r.trainable_params,
    totalParams: r.total_params,
    trainableShare: r.trainable_params !== null && r.total_params ? r.trainable_params / r.total_params : null,
    bestEpoch: r.best_epoch,
    bestMetric: r.best_metric,
    // Summaries written before warnings and stop reasons existed lack those fields.
    summary: r.summary ? { stopReason: null, metricsEpoch: null, warnings: [], ...(JSON.parse(r.summary) as Partial<RunSummary>) } as RunSummary : null,
    error: r.error,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    jobId,
  };
}

export function getRun(db: Database, id: number, jobId: string | null = null): RunInfo {
  const row = db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
  if (!row) throw notFound(`There is no run ${id} in this project. "labeltune runs" lists the runs.`);
  return toInfo(row, jobId);
}

export function listRuns(db: Database, jobOf: (id: number) => string | null): RunInfo[] {
  return (db.prepare('SELECT * FROM runs ORDER BY id DESC').all() as RunRow[]).map((r) => toInfo(r, jobOf(r.id)));
}

/** Every epoch's metrics of a run, in order. */
export function listMetrics(db: Database, runId: number): RunMetricRow[] {
  return (db.prepare('SELECT * FROM run_metrics WHERE run_id = ? ORDER BY epoch').all(runId) as Record<string, unknown>[]).map(
    (m): RunMetricRow => ({
      epoch: m.epoch as number,
      trainLoss: m.train_loss as number | null,
      valLoss: m.val_loss as number | null,
      valAccuracy: m.val_accuracy as number | null,
      valAuc: m.val_auc as number | null,
      alpha: m.alpha as number | null,
      imagesPerSec: m.images_per_sec as number | null,
      learningRates: JSON.parse((m.learning_rates as string) ?? '{}'),
      extra: JSON.parse((m.extra as string) ?? '{}'),
      at: m.at as string,
    }),
  );
}

export function runDetail(db: Database, id: number, jobId: string | null): RunDetail {
  const info = getRun(db, id, jobId);
  const metrics = listMetrics(db, id);
  const checkpoints = (db.prepare('SELECT epoch, path, metric, is_best FROM checkpoints WHERE run_id = ? ORDER BY epoch').all(id) as Record<string, unknown>[]).map(
    (c): RunCheckpoint => ({ epoch: c.epoch as number, path: c.path as string, metric: c.metric as number | null, isBest: c.is_best === 1 }),
  );
  return { ...info, metrics, checkpoints };
}
