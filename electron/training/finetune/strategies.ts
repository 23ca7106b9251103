import type { Backbone } from '../backbones/types.ts';
import { type AdapterOptions, type Extension, createAdapters } from './extensions.ts';
import { countParams, headGroup, parameterGroups, totalParams } from './groups.ts';
import { type LoraOptions, createLora } from './lora.ts';

export const STRATEGY_NAMES = ['full', 'top', 'gradual', 'adapter', 'lora'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

export interface StrategyOptions {
  /** gradual: unfreeze one more group from the top every `gradualEvery` epochs (ULMFiT uses 1). */
  gradualEvery?: number;
  adapter?: AdapterOptions;
  lora?: LoraOptions;
}

/** Which backbone groups train in each epoch, plus the extension (adapters, LoRA) if any. */
export interface Strategy {
  name: StrategyName;
  extension: Extension | null;
  /** Backbone groups whose own parameters (and BatchNorm statistics) train during `epoch` (0-based). */
  trainableGroups(epoch: number): string[];
}

export function createStrategy(name: StrategyName, backbone: Backbone, opts: StrategyOptions = {}): Strategy {
  const groups = backbone.groups;
  const head = headGroup(backbone);
  switch (name) {
    case 'full':
      return { name, extension: null, trainableGroups: () => [...groups] };
    case 'top':
      return { name, extension: null, trainableGroups: () => [head] };
    case 'gradual': {
      const every = Math.max(1, opts.gradualEvery ?? 1);
      return {
        name,
        extension: null,
        trainableGroups: (epoch) => groups.slice(Math.max(0, groups.length - 1 - Math.floor(epoch / every))),
      };
    }
    case 'adapter':
      return { name, extension: createAdapters(backbone, opts.adapter), trainableGroups: () => [head] };
    case 'lora':
      return { name, extension: createLora(backbone, opts.lora), trainableGroups: () => [head] };
  }
}

export interface TrainableSummary {
  trainableParams: number;
  totalParams: number;
  /** trainable / total, with extension parameters counted in both. */
  share: number;
  /** Groups that train at some point during the run. */
  groups: string[];
}

/** Trainable parameters over a run of `epochs` (gradual: by its last epoch). */
export function trainableSummary(backbone: Backbone, strategy: Strategy, epochs: number): TrainableSummary {
  const groups = new Set<string>();
  for (let e = 0; e < Math.max(1, epochs); e++) strategy.trainableGroups(e).forEach((g) => groups.add(g));
  const params = parameterGroups(backbone).filter((g) => groups.has(g.name)).flatMap((g) => g.params);
  let extra = 0;
  for (const v of strategy.extension?.variables.values() ?? []) extra += v.size;
  const trainable = countParams(backbone, params) + extra;
  const total = totalParams(backbone) + extra;
  const ordered = backbone.groups.filter((g) => groups.has(g));
  if (strategy.extension) ordered.push(strategy.extension.group);
  return { trainableParams: trainable, totalParams: total, share: trainable / total, groups: ordered };
}

export interface AutoChoice {
  strategy: StrategyName;
  reason: string;
}

/** Thresholds of the seed's rule of thumb (labelled images). */
export const AUTO_SMALL = 1_000;
export const AUTO_LARGE = 100_000;

/** `auto`: pick a strategy from the number of labelled images and the backbone family, and say why. */
export function autoStrategy(labelled: number, family: Backbone['family']): AutoChoice {
  if (labelled < AUTO_SMALL && family === 'vit') {
    return { strategy: 'lora', reason: `${labelled} labelled images is little data for a ViT: LoRA trains under 1% of the weights on the attention layers and keeps the rest pretrained.` };
  }
  if (labelled < AUTO_SMALL) {
    return { strategy: 'top', reason: `${labelled} labelled images (under ${AUTO_SMALL}): training only a new head on frozen features avoids overfitting.` };
  }
  if (labelled <= AUTO_LARGE) {
    return { strategy: 'gradual', reason: `${labelled} labelled images (${AUTO_SMALL}-${AUTO_LARGE}): head first, then unfreezing deeper groups one at a time with smaller learning rates adapts the features without forgetting.` };
  }
  return { strategy: 'full', reason: `${labelled} labelled images (over ${AUTO_LARGE}): enough data to fine-tune every layer.` };
}
