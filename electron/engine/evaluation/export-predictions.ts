import type { ExportPredictions } from '../../../shared/contract/model-host.ts';
import { uncertainty } from './store.ts';

/** One file's prediction with a TF.js export, as `labeltune predict` prints and writes it. */
export interface FilePrediction {
  path: string;
  predicted: string | null;
  confidence: number | null;
  probs: number[] | null;
  /** Why this file has no prediction (unreadable, not an image). */
  error: string | null;
}

/** The model host's probability rows, with the predicted class and its confidence. */
export function filePredictions(p: ExportPredictions): FilePrediction[] {
  return p.rows.map((r) => {
    if (!r.probs) return { path: r.path, predicted: null, confidence: null, probs: null, error: r.error };
    const u = uncertainty(r.probs, p.multiLabel);
    return { path: r.path, predicted: p.classes[u.predictedClass], confidence: u.confidence, probs: r.probs, error: null };
  });
}

/** CSV with one row per file: path, predicted class, confidence, one probability column per class, error. */
export function predictionsCsv(rows: FilePrediction[], classes: string[]): string {
  const q = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const head = ['path', 'predicted', 'confidence', ...classes.map((c) => `p_${c}`), 'error'].map(q).join(',');
  const lines = rows.map((r) =>
    [r.path, r.predicted ?? '', r.confidence?.toString() ?? '', ...classes.map((_, k) => r.probs?.[k]?.toString() ?? ''), r.error ?? ''].map(q).join(','),
  );
  return `${[head, ...lines].join('\n')}\n`;
}
