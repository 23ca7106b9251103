import { describe, expect, it } from 'vitest';
import { cutBefore, opParams } from './arch-graph.ts';
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
