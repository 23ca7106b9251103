import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { WeightCache, cachedWeightsFor } from './cache.ts';
import { importWeightsFile } from './import-weights.ts';
import { fixturePath } from './testing/fixtures.ts';

const FIXTURE = readFileSync(fixturePath('resnet18/model.safetensors'));
const FIXTURE_SHA = createHash('sha256').update(FIXTURE).digest('hex');
let tmp: string;
let cache: WeightCache;

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'labeltune-import-'));
  cache = new WeightCache(join(tmp, 'weights'));
  return () => rmSync(tmp, { recursive: true, force: true });
});

describe('WeightCache', () => {
  it('maps repo and file to nested paths and refuses paths that climb out', () => {
    expect(cache.pathFor('timm/resnet50.a1_in1k', 'model.safetensors')).toBe(join(tmp, 'weights', 'timm', 'resnet50.a1_in1k', 'model.safetensors'));
    expect(() => cache.pathFor('timm/../../etc', 'model.safetensors')).toThrow(/Invalid repository id "timm\/\.\.\/\.\.\/etc"/);
    expect(() => cache.pathFor('timm/x', '/etc/passwd')).toThrow(/Invalid file name/);
  });

  it('forgets an entry whose file was deleted or changed size', () => {
    const path = cache.pathFor('a/b', 'model.safetensors');
    cache.record({ repo: 'a/b', file: 'model.safetensors', arch: null, sha256: 'x', size: 3, source: 'import', origin: '/x', addedAt: '' });
    expect(cache.get('a/b', 'model.safetensors')).toBeNull();
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, 'abc');
    expect(cache.get('a/b', 'model.safetensors')?.sha256).toBe('x');
    writeFileSync(path, 'abcd');
    expect(cache.list()).toEqual([]);
  });
});

describe('importWeightsFile', () => {
  it('validates, copies into the cache slot of the arch and records the sha256', async () => {
    const r = await importWeightsFile(fixturePath('resnet18/model.safetensors'), 'resnet18', cache);
    expect(r.path).toBe(cache.pathFor('timm/resnet18.a1_in1k', 'model.safetensors'));
    expect(r.entry).toMatchObject({ sha256: FIXTURE_SHA, size: FIXTURE.length, source: 'import', arch: 'resnet18' });
    expect(r.matchesCatalog).toBeNull();
    expect(readFileSync(r.path).equals(FIXTURE)).toBe(true);
    expect(cache.list().map((e) => e.arch)).toEqual(['resnet18']);
    expect(cachedWeightsFor(cache, 'resnet18')).toBe(r.path);
    expect(cachedWeightsFor(cache, 'resnet50')).toBeNull();
  });

  it('refuses a file for another architecture or a damaged one, naming the fix', async () => {
    await expect(importWeightsFile(fixturePath('resnet18/model.safetensors'), 'resnet50', cache)).rejects.toThrow(/has 512-wide features but resnet50 has 2048/);
    await expect(importWeightsFile(fixturePath('resnet18/model.safetensors'), 'resnet34', cache)).rejects.toThrow(/was saved from resnet18, not resnet34\. Import it with --arch resnet18/);
    await expect(importWeightsFile(fixturePath('resnet18/model.safetensors'), 'vit_tiny_patch16_224', cache)).rejects.toThrow(/no "patch_embed\.proj\.weight" tensor/);
    const bad = join(tmp, 'bad.safetensors');
    writeFileSync(bad, FIXTURE.subarray(0, 1000));
    await expect(importWeightsFile(bad, 'resnet18', cache)).rejects.toThrow(/bad\.safetensors: not a safetensors file \(header length 8872 is impossible for a 1000-byte file/);
    expect(cache.list()).toEqual([]);
  });
});
