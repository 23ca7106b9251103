import { describe, expect, it } from 'vitest';
import { MAX_STEP_POINTS, StepHistory } from './step-history.ts';

const point = (x: number, loss = 1 / (1 + x)) => ({ x, loss, learningRates: { head: 0.01 }, alpha: null });

describe('StepHistory', () => {
  it('keeps every step of a short run, per project and run id', () => {
    const h = new StepHistory();
    const a = h.recorder('/p/a', 1);
    [0.25, 0.5, 0.75, 1].forEach((x) => a(point(x)));
    h.recorder('/p/b', 1)(point(0.5, 9));
    expect(h.of('/p/a', 1)?.map((p) => p.x)).toEqual([0.25, 0.5, 0.75, 1]);
    expect(h.of('/p/b', 1)).toEqual([point(0.5, 9)]);
    expect(h.of('/p/a', 2)).toBeUndefined();
  });

  it('thins a long run evenly to at most the maximum, keeping its start and its latest stretch', () => {
    const h = new StepHistory();
    const add = h.recorder('/p', 3);
    const steps = 10_000;
    for (let i = 1; i <= steps; i++) add(point(i / 100));
    const kept = h.of('/p', 3)!;
    expect(kept.length).toBeLessThan(MAX_STEP_POINTS);
    expect(kept.length).toBeGreaterThan(MAX_STEP_POINTS / 2);
    const gaps = new Set(kept.slice(1).map((p, i) => Math.round((p.x - kept[i].x) * 100)));
    expect([...gaps]).toEqual([16]);
    expect(kept[0].x).toBe(0.01);
    expect(steps / 100 - kept.at(-1)!.x).toBeLessThan(0.16);
  });

  it('replaces the steps a resumed run trains again from its checkpoint', () => {
    const h = new StepHistory();
    [0.5, 1, 1.5, 2, 2.5].forEach((x) => h.recorder('/p', 4)(point(x)));
    // Killed in epoch 3, resumed from epoch 2's checkpoint: a new recorder for the same run.
    const again = h.recorder('/p', 4);
    again(point(2.5, 0.1));
    again(point(3, 0.09));
    expect(h.of('/p', 4)?.map((p) => [p.x, p.loss])).toEqual([[0.5, 1 / 1.5], [1, 0.5], [1.5, 0.4], [2, 1 / 3], [2.5, 0.1], [3, 0.09]]);
  });
});
