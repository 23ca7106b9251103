import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBackbone } from '../backbones/index.ts';
import { createAdapters } from './extensions.ts';
import { GRADUAL_SHARE, unfreezeUnits, unitsForShare } from './gradual.ts';
import { createLora, mergeLora } from './lora.ts';
import { Rng } from './rng.ts';
import { createStrategy, trainableSummary } from './strategies.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const image = (size: number) => tf.tensor4d(new Rng(4).normalArray(2 * size * size * 3, 1), [2, size, size, 3]);
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i])));

/** The strategies against the registered backbones' real layouts (small inputs keep this quick). */
describe('strategies on the real backbones', () => {
  it('vit_tiny: LoRA on q/v merges exactly into the fused qkv weights', () => {
    const vit = createBackbone('vit_tiny_patch16_224', { numClasses: 3, imageSize: 32 });
    const lora = createLora(vit);
    // 12 blocks × (q, v) × (A 192·8 + B 8·192).
    expect([...lora.variables.values()].reduce((s, v) => s + v.size, 0)).toBe(12 * 2 * 2 * 192 * 8);
    const rng = new Rng(9);
    for (const [name, v] of lora.variables) if (name.endsWith('.B')) v.assign(tf.tensor(rng.normalArray(v.size, 0.05), v.shape));
    const x = image(32);
    const plain = vit.forward(x).dataSync();
    const before = vit.forward(x, lora.hooks).dataSync();
    mergeLora(vit, lora);
    const after = vit.forward(x).dataSync();
    expect(maxAbsDiff(before, plain)).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(before, after)).toBeLessThan(1e-5);
    lora.dispose();
    vit.dispose();
  });

  it('vit_tiny: top trains the last block, the final norm and the head: about 8% (the guide: 5-10%)', () => {
    const vit = createBackbone('vit_tiny_patch16_224', { numClasses: 3, imageSize: 32 });
    const top = trainableSummary(vit, createStrategy('top', vit), 10);
    expect(top.groups).toEqual(['blocks.11', 'norm', 'head']);
    expect(top.share).toBeGreaterThan(0.07);
    expect(top.share).toBeLessThan(0.1);
    vit.dispose();
  });

  it.each([['resnet18', 32], ['vit_tiny_patch16_224', 32]])('%s: adapters add the guide\'s 3-5% of the parameters', (arch, size) => {
    const b = createBackbone(arch, { numClasses: 3, imageSize: size });
    const strategy = createStrategy('adapter', b);
    const s = trainableSummary(b, strategy, 10);
    const adapters = [...strategy.extension!.variables.values()].reduce((n, v) => n + v.size, 0);
    expect(adapters / (s.totalParams - adapters)).toBeGreaterThan(0.035);
    expect(adapters / (s.totalParams - adapters)).toBeLessThan(0.045);
    strategy.extension!.dispose();
    b.dispose();
  });

  it('resnet18: adapters after each stage start at the identity; LoRA is refused; shares are small', () => {
    const resnet = createBackbone('resnet18', { numClasses: 3, imageSize: 32 });
    const adapters = createAdapters(resnet);
    expect([...new Set([...adapters.variables.keys()].map((k) => k.split('.')[1]))]).toEqual(['layer1', 'layer2', 'layer3', 'layer4']);
    const x = image(32);
    expect(maxAbsDiff(resnet.forward(x, adapters.hooks).dataSync(), resnet.forward(x).dataSync())).toBe(0);
    expect(() => createLora(resnet)).toThrow(expect.objectContaining({ code: 'unsupported' }));
    const linear = trainableSummary(resnet, createStrategy('linear', resnet), 10);
    expect(linear.trainableParams).toBe(512 * 3 + 3);
    expect(linear.share).toBeLessThan(0.001);
    // top: layer4.1.conv2 (3·3·512·512) and bn2 (2·512) with the head: resnet18's natural unit, 21%.
    const top = createStrategy('top', resnet);
    expect(trainableSummary(resnet, top, 10).trainableParams).toBe(9 * 512 * 512 + 1024 + 512 * 3 + 3);
    expect([...top.partialAt!(0).get('layer4')!]).toEqual(['layer4.1.conv2.weight', 'layer4.1.bn2.weight', 'layer4.1.bn2.bias']);
    adapters.dispose();
    resnet.dispose();
  });
});

/** gradual against the guide's 20-50% (layer-wise unfreezing, medium data). */
describe('gradual unfreezing on the real backbones', () => {
  const byEpoch = (b: ReturnType<typeof createBackbone>, epochs: number, share = GRADUAL_SHARE) => {
    const s = createStrategy('gradual', b, { gradual: { share, epochs } });
    return Array.from({ length: epochs }, (_, e) => trainableSummary(b, s, e + 1).share);
  };

  it.each([
    // resnet18: layer4.1 (two 3·3·512·512 convolutions) is 42%; layer4.0 would take it to 75%.
    ['resnet18', 32, ['layer4.1'], 0.41, 0.43],
    // resnet50: the last two bottlenecks, 19% each; layer4.0 (with its downsample) would reach 64%.
    ['resnet50', 32, ['layer4.2', 'layer4.1'], 0.37, 0.39],
    // vit_tiny: the final norm rides with block 11, then blocks 10..6: six blocks of 8% each.
    ['vit_tiny_patch16_224', 32, ['norm+blocks.11', 'blocks.10', 'blocks.9', 'blocks.8', 'blocks.7', 'blocks.6'], 0.47, 0.5],
  ] as const)('%s: reaches the guide\'s 20-50% by mid-run, a block at a time from the head', (arch, size, units, low, high) => {
    const b = createBackbone(arch, { numClasses: 3, imageSize: size });
    expect(unitsForShare(unfreezeUnits(b), GRADUAL_SHARE).map((u) => u.name)).toEqual(units);
    const shares = byEpoch(b, 10);
    expect(shares[0]).toBeLessThan(0.001); // epoch 0: the new head alone
    expect(shares[5]).toBeGreaterThan(low); // reached by the middle of the run…
    expect(shares[5]).toBeLessThan(high);
    expect(shares[9]).toBe(shares[5]); // …and trained together for the second half
    for (let e = 1; e < 10; e++) expect(shares[e]).toBeGreaterThanOrEqual(shares[e - 1]);
    b.dispose();
  });

  it('resnet18: a partly unfrozen stage keeps its BatchNorm statistics; more share takes whole stages', () => {
    const b = createBackbone('resnet18', { numClasses: 3, imageSize: 32 });
    const s = createStrategy('gradual', b, { gradual: { share: GRADUAL_SHARE, epochs: 4 } });
    expect(s.trainableGroups(0)).toEqual(['head']);
    expect(s.trainableGroups(1)).toEqual(['layer4', 'head']);
    expect([...s.partialAt!(1).get('layer4')!].every((p) => p.startsWith('layer4.1.'))).toBe(true);
    // share 1: every block by mid-run, and a whole stage is no longer partial.
    const all = createStrategy('gradual', b, { gradual: { share: 1, epochs: 10 } });
    expect(trainableSummary(b, all, 10).share).toBe(1);
    expect(all.partialAt!(9).size).toBe(0);
    expect(all.trainableGroups(9)).toEqual([...b.groups]);
    b.dispose();
  });
});
