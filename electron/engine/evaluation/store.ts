import type { EvaluationMetrics, Prediction, PredictionSort } from '../../../shared/domain/evaluation.ts';
import type { Database } from '../db/database.ts';
import type { EvalSamples } from './metrics.ts';

/** Reads and writes of the evaluations and predictions tables. */

/**
 * What an evaluation row keeps besides its metrics: the evaluated split's samples and, for a test
 * evaluation, the validation split's (null: it had none), where operating points are chosen.
 * Rows written before validation samples were kept lack the field.
 */
export interface StoredSamples extends EvalSamples {
  validation?: EvalSamples | null;
}

export interface StoredEvaluation {
  metrics: EvaluationMetrics;
  samples: StoredSamples;
}

export function saveEvaluation(db: Database, metrics: EvaluationMetrics, samples: StoredSamples): void {
  db.prepare('INSERT INTO evaluations (run_id, split, metrics, samples, created_at) VALUES (?, ?, ?, ?, ?)').run(
    metrics.runId,
    metrics.split,
    JSON.stringify(metrics),
    JSON.stringify(samples),
    metrics.createdAt,
  );
}

/** The newest evaluation of a run with the samples it was computed from, or null. */
export function latestEvaluation(db: Database, runId: number): StoredEvaluation | null {
  const row = db.prepare('SELECT metrics, samples FROM evaluations WHERE run_id = ? ORDER BY id DESC LIMIT 1').get(runId) as
    | { metrics: string; samples: string }
    | undefined;
  return row ? { metrics: JSON.parse(row.metrics) as EvaluationMetrics, samples: JSON.parse(row.samples) as StoredSamples } : null;
}

/** Uncertainty of one probability row: confidence, entropy (nats) and margin. */
export function uncertainty(probs: number[], multiLabel: boolean): { predictedClass: number; confidence: number; entropy: number; margin: number } {
  let top = 0;
  for (let k = 1; k < probs.length; k++) if (probs[k] > probs[top]) top = k;
  const plogp = (p: number) => (p > 0 ? p * Math.log(p) : 0);
  if (multiLabel) {
    // Each label is its own Bernoulli: entropies add; the least decided label sets the margin.
    const entropy = probs.reduce((s, p) => s - plogp(p) - plogp(1 - p), 0);
    const margin = Math.min(...probs.map((p) => Math.abs(2 * p - 1)));
    return { predictedClass: top, confidence: probs[top], entropy, margin };
  }
  const second = probs.reduce((best, p, k) => (k !== top && p > best ? p : best), -Infinity);
  return {
    predictedClass: top,
    confidence: probs[top],
    entropy: -probs.reduce((s, p) => s + plogp(p), 0),
    margin: probs.length > 1 ? probs[top] - second : probs[top],
  };
}

export function savePredictions(db: Database, runId: number, imageIds: number[], probs: number[][], multiLabel: boolean, createdAt: string): void {
  const ins = db.prepare(
    `INSERT OR REPLACE INTO predictions (run_id, image_id, probs, predicted_class, confidence, entropy, margin, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  db.transaction(() => {
    imageIds.forEach((id, i) => {
      const u = uncertainty(probs[i], multiLabel);
      ins.run(runId, id, JSON.stringify(probs[i]), u.predictedClass, u.confidence, u.entropy, u.margin, createdAt);
    });
  })();
}

interface PredictionRow {
  image_id: number;
  probs: string;
  predicted_class: number;
  confidence: number;
  entropy: number;
  margin: number;
  created_at: string;
}

/** Most informative first: highest entropy, smallest margin, lowest confidence; ties by image id. */
const ORDER: Record<PredictionSort, string> = {
  entropy: 'entropy DESC, image_id',
  margin: 'margin ASC, image_id',
  confidence: 'confidence ASC, image_id',
};

export interface ListOptions {
  sort: PredictionSort;
  /** 'unlabeled': only images without a main-task label now. */
  scope: 'unlabeled' | 'all';
  limit: number;
  offset: number;
}

export function listPredictions(db: Database, runId: number, classes: string[], o: ListOptions): { total: number; items: Prediction[] } {
  const where =
    o.scope === 'unlabeled'
      ? `run_id = ? AND NOT EXISTS (SELECT 1 FROM labels l JOIN tasks t ON t.id = l.task_id AND t.role = 'main' WHERE l.image_id = predictions.image_id)`
      : 'run_id = ?';
  const total = db.prepare(`SELECT count(*) FROM predictions WHERE ${where}`).pluck().get(runId) as number;
  const rows = db.prepare(`SELECT * FROM predictions WHERE ${where} ORDER BY ${ORDER[o.sort]} LIMIT ? OFFSET ?`).all(runId, o.limit, o.offset) as PredictionRow[];
  return { total, items: rows.map((r) => toPrediction(r, classes)) };
}

export function predictionsOf(db: Database, runId: number, imageIds: number[], classes: string[]): Map<number, Prediction> {
  const get = db.prepare('SELECT * FROM predictions WHERE run_id = ? AND image_id = ?');
  const out = new Map<number, Prediction>();
  for (const id of imageIds) {
    const row = get.get(runId, id) as PredictionRow | undefined;
    if (row) out.set(id, toPrediction(row, classes));
  }
  return out;
}

function toPrediction(r: PredictionRow, classes: string[]): Prediction {
  return {
    imageId: r.image_id,
    probs: JSON.parse(r.probs) as number[],
    predictedClass: r.predicted_class,
    predictedName: classes[r.predicted_class] ?? `class ${r.predicted_class}`,
    confidence: r.confidence,
    entropy: r.entropy,
    margin: r.margin,
    createdAt: r.created_at,
  };
}
