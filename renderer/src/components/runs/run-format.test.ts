import { describe, expect, it } from 'vitest';
import { duration, fixed, percent, runLabel } from './run-format.ts';

describe('run formatting', () => {
  it('formats durations in s, min and h, and runs not started as a dash', () => {
    const start = '2026-11-28T10:00:00.000Z';
    expect(duration({ startedAt: start, finishedAt: '2026-11-28T10:00:42.400Z' })).toBe('42 s');
    expect(duration({ startedAt: start, finishedAt: '2026-11-28T10:02:05.000Z' })).toBe('2 min 05 s');
    expect(duration({ startedAt: start, finishedAt: '2026-11-28T13:07:00.000Z' })).toBe('3 h 07 min');
    expect(duration({ startedAt: start, finishedAt: null }, Date.parse(start) + 9_000)).toBe('9 s');
    expect(duration({ startedAt: null, finishedAt: null })).toBe('—');
    expect([percent(0.00917, 2), percent(null), fixed(0.12345), fixed(undefined)]).toEqual(['0.92%', '—', '0.123', '—']);
  });

  it('labels a run with its number once, plus the name only when the user gave one', () => {
    const run = { id: 1, backbone: 'resnet18', strategy: 'top' as const };
    expect(runLabel({ ...run, name: 'resnet18 · top · #1' })).toBe('#1 resnet18 · top');
    // The engine numbers by count: after a deletion its default name carries another number.
    expect(runLabel({ ...run, id: 4, name: 'resnet18 · top · #3' })).toBe('#4 resnet18 · top');
    expect(runLabel({ ...run, name: '' })).toBe('#1 resnet18 · top');
    expect(runLabel({ ...run, id: 2, name: 'lr 3e-4, no flips' })).toBe('#2 resnet18 · top · lr 3e-4, no flips');
    expect(runLabel({ ...run, id: 5, name: 'resnet18 · top · #1 again' })).toBe('#5 resnet18 · top · resnet18 · top · #1 again');
  });
});
