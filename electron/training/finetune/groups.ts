import { type ParamShapes, sizeOf } from '../backbones/layout.ts';

/** The parameters (and BatchNorm buffers) of one backbone group, input side first. */
export interface ParamGroup {
  name: string;
  index: number;
  params: string[];
  buffers: string[];
}

/**
 * Split a backbone's variables by its own group matcher, so freezing and LR decay are generic.
 * Shapes are enough: a plan groups a layout the same way before any weight exists.
 */
export function parameterGroups(backbone: ParamShapes): ParamGroup[] {
  const groups = backbone.groups.map((name, index): ParamGroup => ({ name, index, params: [], buffers: [] }));
  const byName = new Map(groups.map((g) => [g.name, g]));
  for (const name of backbone.shapes.keys()) {
    const group = byName.get(backbone.groupOf(name));
    if (!group) throw new Error(`${backbone.arch}: variable ${name} is in unknown group ${backbone.groupOf(name)}`);
    (backbone.isBuffer(name) ? group.buffers : group.params).push(name);
  }
  return groups;
}

/** Number of scalars in the named variables. */
export function countParams(backbone: ParamShapes, names: Iterable<string>): number {
  const shapes = backbone.shapes;
  let n = 0;
  for (const name of names) {
    const shape = shapes.get(name);
    if (shape) n += sizeOf(shape);
  }
  return n;
}

/** Every trainable scalar of the backbone (buffers excluded). */
export function totalParams(backbone: ParamShapes): number {
  return parameterGroups(backbone).reduce((sum, g) => sum + countParams(backbone, g.params), 0);
}

/** Name of the last group (the classifier); the loop runs it apart from the features. */
export function headGroup(backbone: Pick<ParamShapes, 'groups'>): string {
  return backbone.groups[backbone.groups.length - 1];
}
