import type { RocCurve, RocPoint } from '../../lib/state/evaluation.svelte.ts';

/**
 * Where the ROC plot sits in its SVG: a square unit plot (a ROC curve is read against the
 * diagonal, which a stretched plot bends), with room left for tick labels and axis titles and
 * on the right for the last tick label, which a chart flush with its edge would clip.
 */
export interface RocFrame {
  left: number;
  top: number;
  size: number;
  right: number;
  bottom: number;
}

export const ROC_FRAME: RocFrame = { left: 50, top: 10, size: 240, right: 16, bottom: 44 };

export const UNIT_TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];

export function frameWidth(f: RocFrame): number {
  return f.left + f.size + f.right;
}

export function frameHeight(f: RocFrame): number {
  return f.top + f.size + f.bottom;
}

/** SVG coordinates of a (fpr, tpr) point; y grows downwards. */
export function toPx(f: RocFrame, fpr: number, tpr: number): [number, number] {
  return [f.left + fpr * f.size, f.top + (1 - tpr) * f.size];
}

export function fromPx(f: RocFrame, x: number, y: number): [number, number] {
  return [(x - f.left) / f.size, 1 - (y - f.top) / f.size];
}

/** An SVG path through every point, in order: the exact curve, steps included. */
export function rocPath(f: RocFrame, points: Pick<RocPoint, 'fpr' | 'tpr'>[]): string {
  return points.map((p, i) => `${i ? 'L' : 'M'}${toPx(f, p.fpr, p.tpr).map((v) => round(v)).join(' ')}`).join(' ');
}

/** The (fpr, tpr) pairs of a path written by rocPath: what a test reads back off the drawing. */
export function pathPoints(f: RocFrame, d: string): [number, number][] {
  return [...d.matchAll(/[ML]\s*(-?[\d.]+)[ ,](-?[\d.]+)/g)].map((m) => fromPx(f, Number(m[1]), Number(m[2])));
}

/** The curve point closest to (fpr, tpr), over every curve; null with no points at all. */
export function nearestPoint(curves: RocCurve[], fpr: number, tpr: number): { curve: number; point: number } | null {
  let best: { curve: number; point: number } | null = null;
  let bestDistance = Infinity;
  for (const [ci, c] of curves.entries()) {
    for (const [pi, p] of c.points.entries()) {
      const d = (p.fpr - fpr) ** 2 + (p.tpr - tpr) ** 2;
      if (d < bestDistance) [best, bestDistance] = [{ curve: ci, point: pi }, d];
    }
  }
  return best;
}

/** Tick labels as people write them: 0, 0.2 ... 1. */
export function tickLabel(v: number): string {
  return String(round(v));
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
