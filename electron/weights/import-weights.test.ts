import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validation } from '../../shared/contract/errors.ts';
import { type WeightsCheck, importWeightsFile } from './import-weights.ts';
import { RESNET18_WEIGHTS, expectResnet18Imported, expectResnet18Kept, tempWeightCache } from './testing/weight-cache.ts';

const weights = tempWeightCache('labeltune-import-');

describe('WeightCache', () => {
  it('maps repo and file to nested paths and refuses paths that climb out', () => {
    const { cache, tmp } = weights;
    expect(cache.pathFor('timm/resnet50.a1_in1k', 'model.safetensors')).toBe(join(tmp, 'weights', 'timm', 'resnet50.a1_in1k', 'model.safetensors'));
    expect(() => cache.pathFor('timm/../../etc', 'model.safetensors')).toThrow(/Invalid repository id "timm\/\.\.\/\.\.\/etc"/);
    expect(() => cache.pathFor('timm/x', '/etc/passwd')).toThrow(/Invalid file name/);
  });

  it('forgets an entry whose file was deleted or changed size', () => {
    const { cache } = weights;
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
    const { cache } = weights;
    const checked: [string, string, boolean][] = [];
    const dest = cache.pathFor('timm/resnet18.a1_in1k', 'model.safetensors');
    const check: WeightsCheck = async (path, arch) => {
      checked.push([path, arch, existsSync(dest)]);
    };
    const r = await importWeightsFile(RESNET18_WEIGHTS, 'resnet18', cache, check);
    expect(checked).toEqual([[RESNET18_WEIGHTS, 'resnet18', false]]);
    expectResnet18Imported(r, cache);
  });

  it('leaves the cached weights as they were when the check refuses a file', async () => {
    const { cache, tmp } = weights;
    const good = await importWeightsFile(RESNET18_WEIGHTS, 'resnet18', cache, async () => {});
    const other = join(tmp, 'other.safetensors');
    writeFileSync(other, 'not weights');
    const refuse: WeightsCheck = async (path) => {
      throw validation(`${path} is refused`);
    };
    await expect(importWeightsFile(other, 'resnet18', cache, refuse)).rejects.toMatchObject({ code: 'validation', message: `${other} is refused` });
    expectResnet18Kept(good, cache);
  });

  it('refuses an architecture without published weights before checking anything', async () => {
    let checked = false;
    await expect(importWeightsFile(RESNET18_WEIGHTS, 'test-tiny-resnet', weights.cache, async () => void (checked = true))).rejects.toMatchObject({ code: 'not-found' });
    expect(checked).toBe(false);
    expect(weights.cache.list()).toEqual([]);
  });
});
