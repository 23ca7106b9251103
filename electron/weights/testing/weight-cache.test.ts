import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { tempWeightCache } from './weight-cache.ts';

/** The weight tests' shared setup: a cache of their own per test, gone after it. */
const weights = tempWeightCache('labeltune-cache-fixture-');
const seen: string[] = [];

describe('tempWeightCache', () => {
  it('gives a test an empty cache in a temporary folder', () => {
    expect(weights.tmp.startsWith(tmpdir())).toBe(true);
    expect(weights.cache.pathFor('a/b', 'model.safetensors').startsWith(weights.tmp)).toBe(true);
    expect(weights.cache.list()).toEqual([]);
    seen.push(weights.tmp);
  });

  it('gives the next test another one, the first removed', () => {
    expect(seen).toHaveLength(1);
    expect(weights.tmp).not.toBe(seen[0]);
    expect(existsSync(seen[0])).toBe(false);
    expect(existsSync(weights.tmp)).toBe(true);
  });
});
