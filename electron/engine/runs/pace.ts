import type { MeasuredPace, PaceRecord } from '../../../shared/contract/model-host.ts';
import type { Database } from '../db/database.ts';

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

/**
 * Every pace measured for `backbone`, one per strategy, image size and backend: the plan resolves
 * the strategy and size in the model host, which has no database, so it gets them all and picks.
 */
export function measuredPaces(db: Database, backbone: string): PaceRecord[] {
  const kinds = db
    .prepare(
      `SELECT DISTINCT strategy, backend, json_extract(config, '$.imageSize') AS imageSize FROM runs
         WHERE status = 'completed' AND backbone = ? AND backend IS NOT NULL`,
    )
    .all(backbone) as { strategy: string; backend: string; imageSize: number }[];
  return kinds.flatMap((k) => {
    const pace = measuredPace(db, { backbone, ...k });
    return pace ? [{ backbone, ...k, ...pace }] : [];
  });
}
