/** Column data for a uPlot line chart: one shared x axis, one value column per series. */
export interface ChartSeries {
  label: string;
  /** One value per x; null where the series has no point (uPlot draws a gap or spans it). */
  values: (number | null)[];
  /** Thin, dimmed line: e.g. per-step loss under the per-epoch curves. */
  faint?: boolean;
}

export interface ChartData {
  x: number[];
  series: ChartSeries[];
}

/** Muted colours that stay readable on the dark theme, in series order. */
export const SERIES_COLOURS = ['#6ea8d8', '#e0a96e', '#8cc7a0', '#c792ea', '#e08a7a', '#d9d27a', '#7ad9d2', '#b0b6bc'];

export function seriesColour(i: number): string {
  return SERIES_COLOURS[i % SERIES_COLOURS.length];
}

/** True when at least one series has a number to draw. */
export function hasPoints(data: ChartData): boolean {
  return data.series.some((s) => s.values.some((v) => v !== null));
}

/**
 * Put series sampled at different x values on one shared, sorted x axis (uPlot needs aligned
 * columns): each input is a list of [x, y] points.
 */
export function alignSeries(inputs: { label: string; points: [number, number | null][]; faint?: boolean }[]): ChartData {
  const x = [...new Set(inputs.flatMap((s) => s.points.map(([px]) => px)))].sort((a, b) => a - b);
  const index = new Map(x.map((v, i) => [v, i]));
  const series = inputs.map(({ label, points, faint }) => {
    const values: (number | null)[] = new Array(x.length).fill(null);
    for (const [px, py] of points) values[index.get(px)!] = py;
    return { label, values, faint };
  });
  return { x, series };
}

/**
 * The x range of an epoch axis, widened to whole epochs so that a tick can always sit on one
 * (during epoch 1 the per-step points lie between 0 and 1 and no whole epoch is in view).
 */
export function wholeRange(min: number, max: number): [number, number] {
  const lo = Math.floor(min);
  return [lo, Math.max(Math.ceil(max), lo + 1)];
}

/**
 * Ticks for an epoch axis: whole numbers only (uPlot's own would land on 1.05, 1.1 ...), the
 * smallest step of 1, 2, 5, 10, 20, 50 ... that keeps at most `maxTicks` of them.
 */
export function wholeTicks(min: number, max: number, maxTicks: number): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max < min) return [];
  const count = (step: number) => Math.floor(max / step) - Math.ceil(min / step) + 1;
  let step = 1;
  for (let i = 1; count(step) > Math.max(1, maxTicks); i++) step = [1, 2, 5][i % 3] * 10 ** Math.floor(i / 3);
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max; t += step) ticks.push(t);
  return ticks;
}

/** The smallest step of 1, 2 or 5 × 10^k whose multiples in [min, max] are at most `maxTicks`. */
export function niceStep(min: number, max: number, maxTicks: number): number {
  const count = (step: number) => Math.floor(max / step + 1e-9) - Math.ceil(min / step - 1e-9) + 1;
  let magnitude = 10 ** Math.floor(Math.log10((max - min) / Math.max(1, maxTicks)));
  for (;;) {
    for (const m of [1, 2, 5]) if (count(m * magnitude) <= Math.max(1, maxTicks)) return m * magnitude;
    magnitude *= 10;
  }
}

/** Decimals a 1-2-5 step needs to be written exactly: 0.005 needs 3, 20 needs none. */
export function stepDecimals(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

/**
 * Ticks for a value axis: multiples of a 1-2-5 step, at most `maxTicks`. uPlot's own labels keep
 * three decimals, so a validation loss between 1.0951 and 1.0956 read "1.095" six times.
 */
export function niceTicks(min: number, max: number, maxTicks: number): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max < min) return [];
  if (max === min) return [min];
  const step = niceStep(min, max, maxTicks);
  const decimals = stepDecimals(step);
  const ticks: number[] = [];
  const last = Math.floor(max / step + 1e-9);
  for (let k = Math.ceil(min / step - 1e-9); k <= last; k++) ticks.push(Number((k * step).toFixed(decimals)));
  return ticks;
}

/** Labels for ticks from `niceTicks`: as many decimals as their step needs, so neighbours always differ. */
export function tickLabels(ticks: number[]): string[] {
  if (ticks.length < 2) return ticks.map(String);
  const decimals = stepDecimals(Math.abs(ticks[1] - ticks[0]));
  return ticks.map((t) => t.toFixed(decimals));
}
