/** Default display windows for images that carry none (non-DICOM, or DICOM without VOI tags). */

export interface DisplayWindow {
  center: number;
  width: number;
}

/**
 * The window that maps the sample range [min, max] onto the full 8-bit range under the DICOM
 * linear VOI formula (min -> 0, max -> 255). Null for an empty image.
 */
export function sampleRangeWindow(data: ArrayLike<number>): DisplayWindow | null {
  if (data.length === 0) return null;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return rangeWindow(min, max);
}

/** Window whose first and last displayed levels are exactly lo and hi. */
export function rangeWindow(lo: number, hi: number): DisplayWindow {
  const width = Math.max(hi - lo, 0) + 1;
  return { center: lo + width / 2, width };
}
