import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBackbone } from '../backbones/index.ts';
import { createAdapters } from './extensions.ts';
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
    expect([...top.partial!.get('layer4')!]).toEqual(['layer4.1.conv2.weight', 'layer4.1.bn2.weight', 'layer4.1.bn2.bias']);
    adapters.dispose();
    resnet.dispose();
  });
});
