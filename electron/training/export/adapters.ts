import type { Extension } from '../finetune/extensions.ts';
import type { HostWeights } from './host-weights.ts';

/**
 * Bottleneck adapters (x + up(act(down(x))) after a stage / block) as exporters see them: host
 * weights named `adapters.<group>.{down,up}.{weight,bias}` ([in, out] layouts) and the activation.
 * They cannot be folded into the backbone (the activation is in the way), so they are written as
 * ops after their group.
 */
export interface AdapterWeights {
  weights: HostWeights;
  activation: 'relu' | 'gelu';
}

export async function adapterWeights(ext: Extension, activation: 'relu' | 'gelu' = 'relu'): Promise<AdapterWeights> {
  const weights: HostWeights = new Map();
  for (const [name, v] of ext.variables) weights.set(name, { shape: [...v.shape], data: (await v.data()) as Float32Array });
  return { weights, activation };
}

/** True when `group` has an adapter. */
export function hasAdapter(a: AdapterWeights | undefined, group: string): a is AdapterWeights {
  return a !== undefined && a.weights.has(`adapters.${group}.down.weight`);
}
