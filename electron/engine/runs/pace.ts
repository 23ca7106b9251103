import type { Database } from '../db/database.ts';

/** Training throughput measured by an earlier run on this machine. */
export interface MeasuredPace {
  runId: number;
  /** Median training images per second over that run's epochs. */
  imagesPerSec: number;
}

export interface PaceQuery {
  backbone: string;
  strategy: string;
  imageSize: number;
  backend: string;
}

/**
 * The pace of the latest completed run of the same backbone, strategy, image size and backend in
 * this project: what the plan's duration is measured from, when there is one. The median over
 * epochs leaves out a first epoch that filled the feature cache.
 */
export function measuredPace(db: Database, q: PaceQuery): MeasuredPace | null {
  const runs = db
    .prepare(
      `SELECT id FROM runs WHERE status = 'completed' AND backbone = ? AND strategy = ? AND backend = ?
         AND json_extract(config, '$.imageSize') = ? ORDER BY finished_at DESC, id DESC LIMIT 5`,
    )
    .pluck()
    .all(q.backbone, q.strategy, q.backend, q.imageSize) as number[];
  for (const runId of runs) {
    const rates = (db.prepare(`SELECT images_per_sec FROM run_metrics WHERE run_id = ? AND images_per_sec > 0 ORDER BY epoch`).pluck().all(runId) as number[]).sort((a, b) => a - b);
    if (rates.length) return { runId, imagesPerSec: rates[Math.floor((rates.length - 1) / 2)] };
  }
  return null;
}

/** Seconds a run of `epochs` takes at a measured pace (validation: a forward pass, a third of a step). */
export function secondsAtPace(pace: MeasuredPace, trainImages: number, valImages: number, epochs: number): number {
  return (epochs * (trainImages + valImages / 3)) / pace.imagesPerSec;
}
