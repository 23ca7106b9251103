import { describe, expect, it } from 'vitest';
import { mergeHandlers, noArgs } from './handler.ts';

const impl = (value: string) => ({ schema: noArgs, run: () => value });

describe('mergeHandlers', () => {
  it('keeps every method of every map, each with its own implementation', () => {
    const a = { 'labels.set': impl('a'), 'labels.undo': impl('b') };
    const b = { 'runs.start': impl('c') };
    const table = mergeHandlers(a, b);
    expect(Object.keys(table)).toEqual(['labels.set', 'labels.undo', 'runs.start']);
    expect(table['labels.undo']).toBe(a['labels.undo']);
    expect(table['runs.start'].run()).toBe('c');
  });

  it('throws on a method two maps define, naming it and both maps', () => {
    const first = { 'project.open': impl('first') };
    const other = { 'labels.set': impl('x') };
    const second = { 'project.open': impl('second') };
    expect(() => mergeHandlers(first, other, second)).toThrow('Handler maps 1 and 3 both define "project.open": a method has one implementation.');
  });
});
