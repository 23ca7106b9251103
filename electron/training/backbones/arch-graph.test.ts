import { describe, expect, it } from 'vitest';
import { cutBefore, cutName, opParams } from './arch-graph.ts';
import { REGISTERED_NAMES, backboneGraph, backboneLayout, configOf } from './configs.ts';

/**
 * The description and the layout are written apart (ops vs parameter declarations): they must name
 * the same parameters, each read once, the same groups and the same adapter points, or a weight
 * would sit unused (trained for nothing, missing from every export) or a group be skipped.
 */
describe.each(REGISTERED_NAMES)('architecture graph of %s', (name) => {
  const layout = backboneLayout(name, { numClasses: 5, imageSize: 64 });
  const graph = backboneGraph(name, 64);

  it('reads every parameter the layout declares, once, in the layout group that owns it', () => {
    const read = graph.groups.flatMap((g) => g.ops.flatMap(opParams).map((p) => [p, g.name] as const));
    const classifier = [`${graph.head.classifier}.weight`, `${graph.head.classifier}.bias`].map((p) => [p, 'head'] as const);
    const all = [...read, ...classifier];
    expect(all.map(([p]) => p).sort()).toEqual([...layout.params.keys()].sort());
    for (const [p, group] of all) expect(layout.groupOf(p)).toBe(group);
  });

  it('has the layout groups in order, and adapter points where the layout has hook widths', () => {
    expect([...graph.groups.map((g) => g.name), 'head']).toEqual(layout.groups);
    expect(graph.groups.filter((g) => g.adapter).map((g) => g.name)).toEqual([...layout.hookWidths.keys()]);
  });

  it('has static token counts exactly for token models', () => {
    const a = configOf(name);
    if (a.family === 'vit') expect(graph.tokens).toBe(1 + (64 / a.config.patchSize) ** 2);
    else expect(graph.tokens).toBeUndefined();
  });
});

describe('cuts before the first trained op', () => {
  const bn = (name: string) => [`${name}.weight`, `${name}.bias`];
  const trained = (conv: string, norm: string) => new Set([`${conv}.weight`, ...bn(norm)]);

  it('go inside the block whose last convolution trains, with the shortcut frozen (ResNet top)', () => {
    // resnet18 layer4 = blocks 0 and 1; resnet50 layer4 = 3 bottlenecks, conv3 last.
    expect(cutBefore(backboneGraph('resnet18', 64), 4, trained('layer4.1.conv2', 'layer4.1.bn2'))).toEqual({ group: 4, op: 1, body: 1 });
    expect(cutBefore(backboneGraph('resnet50', 64), 4, trained('layer4.2.conv3', 'layer4.2.bn3'))).toEqual({ group: 4, op: 2, body: 2 });
    // test-tiny-resnet's only layer4 block has a downsample shortcut: it is frozen, so it is cached too.
    expect(cutBefore(backboneGraph('test-tiny-resnet', 64), 4, trained('layer4.0.conv2', 'layer4.0.bn2'))).toEqual({ group: 4, op: 0, body: 1 });
  });

  it('stay before the whole block when its first op or its shortcut trains, and at the group input when its first block does', () => {
    const graph = backboneGraph('test-tiny-resnet', 64);
    expect(cutBefore(graph, 4, trained('layer4.0.downsample.0', 'layer4.0.downsample.1'))).toEqual({ group: 4, op: 0 });
    expect(cutBefore(backboneGraph('resnet18', 64), 4, trained('layer4.1.conv1', 'layer4.1.bn1'))).toEqual({ group: 4, op: 1 });
    const vit = backboneGraph('test-tiny-vit', 64);
    expect(cutBefore(vit, 2, new Set(bn('blocks.1.norm1')))).toEqual({ group: 2, op: 0 });
    // The MLP half of a ViT block: the attention half (a residual of its own) is cached; its norm2 trains, so no cut inside.
    expect(cutBefore(vit, 2, new Set(bn('blocks.1.norm2')))).toEqual({ group: 2, op: 1 });
    expect(cutBefore(vit, 2, new Set(['blocks.1.mlp.fc1.weight']))).toEqual({ group: 2, op: 1, body: 1 });
  });

  it('are named as the cache folders name them', () => {
    expect([{ group: 4, op: 0 }, { group: 4, op: 1 }, { group: 4, op: 1, body: 1 }, { group: 4, op: 0, body: 1 }].map(cutName)).toEqual(['4', '4.1', '4.1.1', '4.0.1']);
  });
});
