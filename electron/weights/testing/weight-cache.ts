import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeEach, expect } from 'vitest';
import { WeightCache, cachedWeightsFor } from '../cache.ts';
import type { ImportResult } from '../import-weights.ts';
import { fixturePath } from './fixtures.ts';

/** The timm resnet18 fixture, as importing it must copy and record it. */
export const RESNET18_WEIGHTS = fixturePath('resnet18/model.safetensors');

let resnet18: { bytes: Buffer; sha256: string } | undefined;

/** Its bytes and sha256, read once per test file (the file is 22 MB). */
export function resnet18Bytes(): { bytes: Buffer; sha256: string } {
  if (resnet18 === undefined) {
    const bytes = readFileSync(RESNET18_WEIGHTS);
    resnet18 = { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
  }
  return resnet18;
}

/**
 * A WeightCache in a temporary folder of its own for each test of the file (or describe) that calls
 * this, removed after the test. Read `tmp` and `cache` inside the tests: they are new for each.
 */
export function tempWeightCache(prefix: string): { readonly tmp: string; readonly cache: WeightCache } {
  let current: { tmp: string; cache: WeightCache } | undefined;
  beforeEach(() => {
    const tmp = mkdtempSync(join(tmpdir(), prefix));
    current = { tmp, cache: new WeightCache(join(tmp, 'weights')) };
    return () => rmSync(tmp, { recursive: true, force: true });
  });
  const now = () => current ?? fail();
  return {
    get tmp() {
      return now().tmp;
    },
    get cache() {
      return now().cache;
    },
  };
}

function fail(): never {
  throw new Error('tempWeightCache: tmp and cache exist only inside a test');
}

/** The resnet18 fixture went into its cache slot, byte for byte, recorded as imported, and is the only weights there. */
export function expectResnet18Imported(r: ImportResult, cache: WeightCache): void {
  const { bytes, sha256 } = resnet18Bytes();
  expect(r.path).toBe(cache.pathFor('timm/resnet18.a1_in1k', 'model.safetensors'));
  expect(r.entry).toMatchObject({ sha256, size: bytes.length, source: 'import', arch: 'resnet18' });
  expect(r.matchesCatalog).toBeNull();
  expect(readFileSync(r.path).equals(bytes)).toBe(true);
  expect(cache.list().map((e) => e.arch)).toEqual(['resnet18']);
  expect(cachedWeightsFor(cache, 'resnet18')).toBe(r.path);
  expect(cachedWeightsFor(cache, 'resnet50')).toBeNull();
}

/** A refused import left the resnet18 fixture imported before (`good`) as it was, with no temporary copy beside it. */
export function expectResnet18Kept(good: ImportResult, cache: WeightCache): void {
  const { bytes, sha256 } = resnet18Bytes();
  expect(readFileSync(good.path).equals(bytes)).toBe(true);
  expect(cache.get('timm/resnet18.a1_in1k', 'model.safetensors')).toMatchObject({ sha256, origin: RESNET18_WEIGHTS });
  expect(readdirSync(dirname(good.path))).toEqual(['model.safetensors']);
}
