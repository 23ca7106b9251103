import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parameterGroups } from './groups.ts';
import { FULL_BUDGET_SECONDS, autoStrategy, createStrategy, strategyRules, trainableSummary } from './strategies.ts';
import { backboneLayout } from '../backbones/configs.ts';
import { createBackbone } from '../backbones/registry.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// Hand counts of the registered tiny configs (backbones/configs.ts), 8 channels throughout: stem
// conv 7·7·3·8 + bn 2·8; layer1 one basic block, 2 × (conv 3·3·8·8 + bn 2·8); layer2..4 the same
// plus a 1x1 downsample conv 8·8 + bn 2·8; fc 8·2+2.
const STEM = 1176 + 16;
const BLOCK = 2 * (576 + 16);
const DOWN = 64 + 16;
const RESNET_TOTAL = STEM + BLOCK + 3 * (BLOCK + DOWN) + 18;
// patch 8·8·3·16+16, cls 16, pos 5·16 (16 px: 2x2 patches + cls), 2 blocks of (32+816+272+32+544+528), norm 32, head 16·2+2.
const VIT_TOTAL = 3088 + 16 + 80 + 2 * 2224 + 32 + 34;

describe('parameter groups and strategies', () => {
  const resnet = createBackbone('test-tiny-resnet', { numClasses: 2, imageSize: 16 });
  const vit = createBackbone('test-tiny-vit', { numClasses: 2, imageSize: 16 });
  afterAll(() => {
    resnet.dispose();
    vit.dispose();
  });

  it('splits variables into the backbone groups, buffers apart', () => {
    const groups = parameterGroups(resnet);
    expect(groups.map((g) => g.name)).toEqual(['stem', 'layer1', 'layer2', 'layer3', 'layer4', 'head']);
    expect(groups[0].params).toEqual(['conv1.weight', 'bn1.weight', 'bn1.bias']);
    expect(groups[0].buffers).toEqual(['bn1.running_mean', 'bn1.running_var']);
    expect(groups[5].params).toEqual(['fc.weight', 'fc.bias']);
  });

  it('reports trainable counts and shares per strategy', () => {
    const share = (name: 'full' | 'top' | 'linear' | 'gradual' | 'adapter', epochs: number) =>
      trainableSummary(resnet, createStrategy(name, resnet), epochs);
    expect(share('full', 1)).toMatchObject({ trainableParams: RESNET_TOTAL, totalParams: RESNET_TOTAL, share: 1 });
    expect(share('linear', 5).trainableParams).toBe(18);
    expect(share('linear', 5).share).toBeCloseTo(18 / RESNET_TOTAL, 10);
    // top: the last main-path convolution of the top stage and its BatchNorm, plus the head.
    expect(share('top', 5).trainableParams).toBe(576 + 16 + 18);
    expect(share('top', 5).groups).toEqual(['layer4', 'head']);
    // gradual with k=1: one epoch = head only, two = head + layer4, six = everything.
    expect(share('gradual', 1).trainableParams).toBe(18);
    expect(share('gradual', 2).trainableParams).toBe(18 + BLOCK + DOWN);
    expect(share('gradual', 5).trainableParams).toBe(RESNET_TOTAL - STEM);
    expect(share('gradual', 6).trainableParams).toBe(RESNET_TOTAL);
    // an adapter after each of the four stages (8 channels, bottleneck max(4, 8/16) = 4): down 8·4+4, up 4·8+8 each, plus the head.
    const adapter = share('adapter', 3);
    expect(adapter.trainableParams).toBe(18 + 4 * (36 + 40));
    expect(adapter.totalParams).toBe(RESNET_TOTAL + 4 * 76);
  });

  it('top trains the main path\'s last convolution, not the shortcut declared after it', () => {
    // The tiny config's layer4 is one block with a downsample (declared after conv2, as in timm).
    expect([...createStrategy('top', resnet).partialAt!(0).get('layer4')!]).toEqual([
      'layer4.0.conv2.weight', 'layer4.0.bn2.weight', 'layer4.0.bn2.bias',
    ]);
    // The real ResNets end on a block without one: unchanged there.
    const top = (arch: string) => [...strategyRules('top', backboneLayout(arch, { numClasses: 3 })).partialAt!(0).get('layer4')!];
    expect(top('resnet18')).toEqual(['layer4.1.conv2.weight', 'layer4.1.bn2.weight', 'layer4.1.bn2.bias']);
    expect(top('resnet50')).toEqual(['layer4.2.conv3.weight', 'layer4.2.bn3.weight', 'layer4.2.bn3.bias']);
  });

  it('unfreezes gradual groups from the top every k epochs', () => {
    const s = createStrategy('gradual', resnet, { gradualEvery: 2 });
    expect([0, 1, 2, 3, 4, 5].map((e) => s.trainableGroups(e).join(','))).toEqual([
      'head', 'head', 'layer4,head', 'layer4,head', 'layer3,layer4,head', 'layer3,layer4,head',
    ]);
  });

  it('puts LoRA r=8 on q and v of every ViT block', () => {
    const lora = createStrategy('lora', vit);
    const s = trainableSummary(vit, lora, 1);
    // 2 blocks × (q, v) × (A 16·8 + B 8·16) plus the head 16·2+2.
    expect(s.trainableParams).toBe(2 * 2 * 256 + 34);
    expect(s.totalParams).toBe(VIT_TOTAL + 1024);
    expect(s.share).toBeCloseTo(1058 / (VIT_TOTAL + 1024), 10);
    expect(s.groups).toEqual(['head', 'lora']);
    lora.extension!.dispose();
  });

  it('refuses LoRA on a ResNet with an unsupported error', () => {
    expect(() => createStrategy('lora', resnet)).toThrow(expect.objectContaining({ code: 'unsupported' }));
  });

  it('auto picks by labelled count, family, pretrained weights and what fits minutes here, with a reason', () => {
    const cheap = { pretrained: true, fullSeconds: 60, rung: 'wasm' };
    const slow = { pretrained: true, fullSeconds: 3 * 3600, rung: 'wasm' };
    expect(autoStrategy(300, 'resnet', slow)).toMatchObject({ strategy: 'top', reason: expect.stringMatching(/^300 labelled images \(under 1000\), and fine-tuning every layer would take about 3\.0 h on wasm/) });
    expect(autoStrategy(300, 'resnet', cheap)).toMatchObject({ strategy: 'full', reason: expect.stringMatching(/fits in about 60 s on wasm here/) });
    expect(autoStrategy(300, 'resnet', { ...cheap, fullSeconds: FULL_BUDGET_SECONDS + 1 }).strategy).toBe('top');
    expect(autoStrategy(300, 'vit', cheap).strategy).toBe('lora');
    expect(autoStrategy(5_000, 'resnet', cheap).strategy).toBe('gradual');
    expect(autoStrategy(5_000, 'vit', slow).strategy).toBe('gradual');
    expect(autoStrategy(250_000, 'vit', slow).strategy).toBe('full');
    // A random backbone is never frozen, whatever the data size.
    for (const n of [50, 5_000]) expect(autoStrategy(n, 'resnet', { ...slow, pretrained: false })).toMatchObject({ strategy: 'full', reason: expect.stringMatching(/^No pretrained weights/) });
  });
});
