/** Where a float array holds NaN or ±Inf: how many values, and the first index (-1 when none). */
export interface NonFinite {
  count: number;
  first: number;
}

export function findNonFinite(data: ArrayLike<number>): NonFinite {
  let count = 0;
  let first = -1;
  for (let i = 0; i < data.length; i++) {
    if (Number.isFinite(data[i])) continue;
    if (first < 0) first = i;
    count++;
  }
  return { count, first };
}
