import { fileURLToPath } from 'node:url';

/**
 * Absolute path of a file in the shared backbone fixtures (../shared/fixtures/backbones next to the
 * repository). Tests read them in place; fixtures are never copied into the repository.
 */
export function fixturePath(relative: string): string {
  return fileURLToPath(new URL(`../../../../shared/fixtures/backbones/${relative}`, import.meta.url));
}

/** max over rows of ||out - ref|| / ||ref|| (the fixtures' README metric). */
export function maxRowRelErr(out: ArrayLike<number>, ref: ArrayLike<number>, rows: number): number {
  if (out.length !== ref.length) throw new Error(`length ${out.length} != reference ${ref.length}`);
  const cols = ref.length / rows;
  let worst = 0;
  for (let r = 0; r < rows; r++) {
    let diff = 0;
    let norm = 0;
    for (let c = r * cols; c < (r + 1) * cols; c++) {
      diff += (out[c] - ref[c]) ** 2;
      norm += ref[c] ** 2;
    }
    worst = Math.max(worst, Math.sqrt(diff) / Math.sqrt(norm));
  }
  return worst;
}
