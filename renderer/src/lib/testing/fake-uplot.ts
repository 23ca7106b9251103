/**
 * Stands in for uPlot in jsdom (no canvas): records the data each chart is given, so tests can
 * assert on the series instead of pixels. Use with `vi.mock('uplot', () => import('.../fake-uplot.ts'))`.
 */
export const charts: { data: unknown[] }[] = [];

export default class FakeUPlot {
  constructor(_opts: unknown, data: unknown[]) {
    charts.push({ data });
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
