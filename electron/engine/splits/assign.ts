import { SPLIT_NAMES, type SplitName } from '../../../shared/domain/splits.ts';
import { mulberry32, shuffled } from '../../../shared/random.ts';

/** Images that must land in the same split: one group (patient, lot), or one image when not grouping. */
export interface SplitUnit {
  key: string;
  imageIds: number[];
  /** Images of the unit per main-task class (multi-label images count once per class). */
  classCounts: Map<number, number>;
  /** Images of the unit with at least one main-task label. */
  labelled: number;
  /** The unit holds a locked test image: it stays in test. */
  lockedTest: boolean;
}

export interface AssignOptions {
  ratios: [number, number, number];
  seed: number;
}

/**
 * Grouped, stratified assignment (greedy iterative stratification over units):
 * - locked units go to test first;
 * - units without any labelled image get no split (null): nothing to stratify them by, and placing
 *   them now would fix their split before anyone has looked at them;
 * - the rest are visited rarest stratum first (a unit's stratum is its rarest class, so rare
 *   multi-label classes are spread before common ones), larger units before smaller ones (they are
 *   the hardest to fit), seeded shuffle between equals; each goes to the split that is furthest below
 *   its target for that class, ties broken by the overall image deficit, then train/val/test order.
 * Deterministic: units are sorted by key before the seeded shuffle.
 */
export function assignSplits(units: SplitUnit[], opts: AssignOptions): Map<string, SplitName | null> {
  const result = new Map<string, SplitName | null>();
  const totals = new Map<number, number>();
  for (const u of units) for (const [c, n] of u.classCounts) totals.set(c, (totals.get(c) ?? 0) + n);
  const have = SPLIT_NAMES.map(() => new Map<number, number>());
  const haveImages = [0, 0, 0];
  const place = (u: SplitUnit, s: number) => {
    result.set(u.key, SPLIT_NAMES[s]);
    haveImages[s] += u.imageIds.length;
    for (const [c, n] of u.classCounts) have[s].set(c, (have[s].get(c) ?? 0) + n);
  };
  const sorted = units.slice().sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const u of sorted) if (u.lockedTest) place(u, 2);
  const free = sorted.filter((u) => !u.lockedTest && u.labelled > 0);
  for (const u of sorted) if (!u.lockedTest && u.labelled === 0) result.set(u.key, null);
  const stratum = (u: SplitUnit) => rarestClass(u, totals);
  const order = shuffled(free, mulberry32(opts.seed))
    .map((u) => ({ u, c: stratum(u) }))
    .sort((a, b) => (totals.get(a.c) ?? 0) - (totals.get(b.c) ?? 0) || a.c - b.c || b.u.imageIds.length - a.u.imageIds.length);
  const allImages = units.reduce((n, u) => n + u.imageIds.length, 0);
  for (const { u, c } of order) {
    let best = -1;
    let bestScore: [number, number] = [-Infinity, -Infinity];
    for (let s = 0; s < 3; s++) {
      if (opts.ratios[s] <= 0) continue;
      const score: [number, number] = [
        opts.ratios[s] * (totals.get(c) ?? 0) - (have[s].get(c) ?? 0),
        opts.ratios[s] * allImages - haveImages[s],
      ];
      if (score[0] > bestScore[0] + 1e-9 || (Math.abs(score[0] - bestScore[0]) <= 1e-9 && score[1] > bestScore[1] + 1e-9)) {
        best = s;
        bestScore = score;
      }
    }
    place(u, best);
  }
  return result;
}

/** The unit's class with the fewest images project-wide (ties: lower class id). */
function rarestClass(u: SplitUnit, totals: Map<number, number>): number {
  let best = -1;
  for (const c of u.classCounts.keys()) {
    if (best === -1 || (totals.get(c) ?? 0) < (totals.get(best) ?? 0) || ((totals.get(c) ?? 0) === (totals.get(best) ?? 0) && c < best)) best = c;
  }
  return best;
}
