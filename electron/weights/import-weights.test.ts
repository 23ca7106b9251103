import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { validation } from '../../shared/contract/errors.ts';
import { WeightCache, cachedWeightsFor } from './cache.ts';
import { type WeightsCheck, importWeightsFile } from './import-weights.ts';
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
  it('checks the file first, then copies it into the cache slot of the arch and records the sha256', async () => {
    const checked: [string, string, boolean][] = [];
    const dest = cache.pathFor('timm/resnet18.a1_in1k', 'model.safetensors');
    const check: WeightsCheck = async (path, arch) => {
      checked.push([path, arch, existsSync(dest)]);
    };
    const r = await importWeightsFile(fixturePath('resnet18/model.safetensors'), 'resnet18', cache, check);
    expect(checked).toEqual([[fixturePath('resnet18/model.safetensors'), 'resnet18', false]]);
    expect(r.path).toBe(dest);
    expect(r.entry).toMatchObject({ sha256: FIXTURE_SHA, size: FIXTURE.length, source: 'import', arch: 'resnet18' });
    expect(r.matchesCatalog).toBeNull();
    expect(readFileSync(r.path).equals(FIXTURE)).toBe(true);
    expect(cache.list().map((e) => e.arch)).toEqual(['resnet18']);
    expect(cachedWeightsFor(cache, 'resnet18')).toBe(r.path);
    expect(cachedWeightsFor(cache, 'resnet50')).toBeNull();
  });

  it('leaves the cached weights as they were when the check refuses a file', async () => {
    const good = await importWeightsFile(fixturePath('resnet18/model.safetensors'), 'resnet18', cache, async () => {});
    const other = join(tmp, 'other.safetensors');
    writeFileSync(other, 'not weights');
    const refuse: WeightsCheck = async (path) => {
      throw validation(`${path} is refused`);
    };
    await expect(importWeightsFile(other, 'resnet18', cache, refuse)).rejects.toMatchObject({ code: 'validation', message: `${other} is refused` });
    expect(readFileSync(good.path).equals(FIXTURE)).toBe(true);
    expect(cache.get('timm/resnet18.a1_in1k', 'model.safetensors')).toMatchObject({ sha256: FIXTURE_SHA, origin: fixturePath('resnet18/model.safetensors') });
    expect(readdirSync(dirname(good.path))).toEqual(['model.safetensors']);
  });

  it('refuses an architecture without published weights before checking anything', async () => {
    let checked = false;
    await expect(importWeightsFile(fixturePath('resnet18/model.safetensors'), 'test-tiny-resnet', cache, async () => void (checked = true))).rejects.toMatchObject({ code: 'not-found' });
    expect(checked).toBe(false);
    expect(cache.list()).toEqual([]);
  });
});
