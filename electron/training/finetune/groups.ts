import type { Backbone } from '../backbones/types.ts';

/** The parameters (and BatchNorm buffers) of one backbone group, input side first. */
export interface ParamGroup {
  name: string;
  index: number;
  params: string[];
  buffers: string[];
}

/** Split a backbone's variables by its own group matcher, so freezing and LR decay are generic. */
export function parameterGroups(backbone: Backbone): ParamGroup[] {
  const groups = backbone.groups.map((name, index): ParamGroup => ({ name, index, params: [], buffers: [] }));
  const byName = new Map(groups.map((g) => [g.name, g]));
  for (const name of backbone.variables.keys()) {
    const group = byName.get(backbone.groupOf(name));
    if (!group) throw new Error(`${backbone.arch}: variable ${name} is in unknown group ${backbone.groupOf(name)}`);
    (backbone.isBuffer(name) ? group.buffers : group.params).push(name);
  }
  return groups;
}

/** Number of scalars in the named variables. */
export function countParams(backbone: Backbone, names: Iterable<string>): number {
  let n = 0;
  for (const name of names) n += backbone.variables.get(name)?.size ?? 0;
  return n;
}

/** Every trainable scalar of the backbone (buffers excluded). */
export function totalParams(backbone: Backbone): number {
  return parameterGroups(backbone).reduce((sum, g) => sum + countParams(backbone, g.params), 0);
}

/** Name of the last group (the classifier); the loop runs it apart from the features. */
export function headGroup(backbone: Backbone): string {
  return backbone.groups[backbone.groups.length - 1];
}
