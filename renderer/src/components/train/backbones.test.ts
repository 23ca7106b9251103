import { describe, expect, it } from 'vitest';
import { weightsEntry } from '../../lib/testing/weights-fixtures.ts';
import { FALLBACK_BACKBONES, fromCatalog, speedNote } from './backbones.ts';

describe('the Train view model list', () => {
  it('falls back to the shared architectures table: the six offered models with their GFLOPs, no test configs', () => {
    expect(FALLBACK_BACKBONES.map((b) => [b.name, b.gflops])).toEqual([
      ['resnet18', 1.82], ['resnet34', 3.67], ['resnet50', 4.11],
      ['vit_tiny_patch16_224', 1.26], ['vit_small_patch16_224', 4.61], ['vit_base_patch16_224', 17.58],
    ]);
  });

  it('takes GFLOPs from the catalog the engine serves, and words the speed relative to resnet18', () => {
    const [r18, vb] = fromCatalog([weightsEntry('resnet18', { cached: true }), weightsEntry('vit_base_patch16_224', { gflops: 17.58 })]);
    expect(r18).toMatchObject({ name: 'resnet18', gflops: 1.82, cached: true });
    expect(speedNote(r18)).toBe('1.82 GFLOPs/image · fastest');
    expect(speedNote(vb)).toBe("17.58 GFLOPs/image · about 9.7× resnet18's time");
  });
});
