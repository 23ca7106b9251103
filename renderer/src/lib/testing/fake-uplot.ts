/**
 * Stands in for uPlot in jsdom (no canvas): records the data each chart is given, so tests can
 * assert on the series instead of pixels. Use with `vi.mock('uplot', () => import('.../fake-uplot.ts'))`.
 */
export const charts: { data: unknown[]; opts?: FakeOptions }[] = [];

/** The part of uPlot's options tests read: the axes' tick placement and labels. */
export interface FakeOptions {
  axes?: { splits?: (u: unknown, axis: number, min: number, max: number) => number[]; values?: (u: unknown, ticks: number[]) => string[] }[];
}

export default class FakeUPlot {
  constructor(opts: FakeOptions, data: unknown[]) {
    charts.push({ data, opts });
  }
  setData(data: unknown[]): void {
    charts.push({ data });
  }
  setSize(): void {}
  destroy(): void {}
}

/** jsdom lays nothing out: charts that size themselves with bind:clientWidth need a ResizeObserver. */
globalThis.ResizeObserver ??= class {
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {}
};
