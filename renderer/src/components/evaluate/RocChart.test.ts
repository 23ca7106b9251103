import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { SERIES_COLOURS } from '../charts/chart-data.ts';
import { rocCurves } from '../../lib/state/evaluation.svelte.ts';
import { classEval, metrics } from '../../lib/state/evaluation-fixtures.ts';
import RocChart from './RocChart.svelte';
import { frameWidth, nearestPoint, pathPoints, ROC_FRAME, rocPath, toPx } from './roc-geometry.ts';

afterEach(cleanup);

// The e2e run's "opacity" curve: several points at fpr 0.5 and at fpr 1, which the shared-x uPlot
// chart cut short at (1, 0.4) instead of (1, 1).
const opacity = { fpr: [0, 0.5, 0.5, 1, 1, 1], tpr: [0, 0, 0.2, 0.2, 0.4, 1], thresholds: [null, 0.71, 0.7, 0.65, 0.64, 0.6] };
const normal = { fpr: [0, 0.2, 0.4, 0.6, 0.8, 0.8, 0.8, 1], tpr: [0, 0, 0, 0, 0, 0.5, 1, 1], thresholds: [null, 0.4, 0.35, 0.3, 0.25, 0.2, 0.15, 0.1] };
const evaluated = metrics({
  perClass: [classEval(0, 'normal', { auc: 0.2, roc: normal }), classEval(1, 'opacity', { auc: 0.1, roc: opacity }), classEval(2, 'effusion', { roc: null, auc: null })],
});

function drawn(): Record<string, [number, number][]> {
  const paths = screen.getAllByTestId('roc-curve');
  return Object.fromEntries(paths.map((p) => [p.getAttribute('data-class'), pathPoints(ROC_FRAME, p.getAttribute('d')!).map(([x, y]) => [round(x), round(y)])]));
}

const readout = () => screen.getByTestId('roc-readout').textContent?.replace(/\s+/g, ' ').trim();
const round = (v: number) => Math.round(v * 1e4) / 1e4;
const pairs = (c: { fpr: number[]; tpr: number[] }) => c.fpr.map((f, i) => [f, c.tpr[i]]);

describe('RocChart', () => {
  it('draws every curve through exactly the metrics points, repeated fpr values included, from (0, 0) to (1, 1)', () => {
    render(RocChart, { curves: rocCurves(evaluated) });
    const curves = drawn();
    expect(curves).toEqual({ normal: pairs(normal), opacity: pairs(opacity) });
    expect([curves.opacity[0], curves.opacity.at(-1)]).toEqual([[0, 0], [1, 1]]);
    expect(screen.getAllByTestId('roc-curve').map((p) => p.getAttribute('stroke'))).toEqual([SERIES_COLOURS[0], SERIES_COLOURS[1]]);
    expect(pathPoints(ROC_FRAME, screen.getByTestId('roc-chance').getAttribute('d')!)).toEqual([[0, 0], [1, 1]]);
  });

  it('labels both axes 0 to 1 inside the drawing, and names each curve with its AUC', () => {
    const { container } = render(RocChart, { curves: rocCurves(evaluated) });
    const ticks = (axis: string) => [...container.querySelectorAll(`text[data-axis="${axis}"]`)];
    expect(ticks('x').map((t) => t.textContent)).toEqual(['0', '0.2', '0.4', '0.6', '0.8', '1']);
    expect(ticks('y').map((t) => t.textContent)).toEqual(['0', '0.2', '0.4', '0.6', '0.8', '1']);
    // The "1" tick is centred on the right edge of the plot: half a label's width must still fit.
    const lastX = Number(ticks('x').at(-1)!.getAttribute('x'));
    expect(frameWidth(ROC_FRAME) - lastX).toBeGreaterThanOrEqual(10);
    expect([...container.querySelectorAll('.legend li')].map((li) => li.textContent?.replace(/\s+/g, ' ').trim())).toEqual([
      'normal (AUC 0.200)',
      'opacity (AUC 0.100)',
      'chance (AUC 0.500)',
    ]);
  });

  it('reads out the point nearest the pointer: its rates and threshold', async () => {
    render(RocChart, { curves: rocCurves(evaluated) });
    const svg = screen.getByRole('img');
    // jsdom lays nothing out (an empty box): client coordinates are the SVG's own.
    const [x, y] = toPx(ROC_FRAME, 0.52, 0.21);
    await fireEvent.pointerMove(svg, { clientX: x, clientY: y });
    expect(readout()).toBe('opacity: false positive rate 0.500, true positive rate 0.200, threshold p(opacity) ≥ 0.700');
    expect([Number(screen.getByTestId('roc-marker').getAttribute('cx')), Number(screen.getByTestId('roc-marker').getAttribute('cy'))]).toEqual(toPx(ROC_FRAME, 0.5, 0.2));
    const [x0, y0] = toPx(ROC_FRAME, 0.01, 0.01);
    await fireEvent.pointerMove(svg, { clientX: x0, clientY: y0 });
    expect(readout()).toBe('normal: false positive rate 0.000, true positive rate 0.000, threshold above every score');
    await fireEvent.pointerLeave(svg);
    expect(screen.queryByTestId('roc-marker')).toBeNull();
  });
});

describe('roc geometry', () => {
  it('maps the unit square onto the square plot, y upwards, and finds the nearest point over all curves', () => {
    expect(toPx(ROC_FRAME, 0, 0)).toEqual([50, 250]);
    expect(toPx(ROC_FRAME, 1, 1)).toEqual([290, 10]);
    expect(rocPath(ROC_FRAME, [{ fpr: 0, tpr: 0 }, { fpr: 1 / 3, tpr: 0.5 }])).toBe('M50 250 L130 130');
    const curves = rocCurves(evaluated);
    expect(nearestPoint(curves, 0.79, 0.6)).toEqual({ curve: 0, point: 5 });
    expect(nearestPoint(curves, 0.97, 0.42)).toEqual({ curve: 1, point: 4 });
    expect(nearestPoint([], 0.5, 0.5)).toBeNull();
  });
});
