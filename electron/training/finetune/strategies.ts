import { FROM_SCRATCH_WARNING } from '../../../shared/domain/run.ts';
import type { BackboneLayout, ParamShapes } from '../backbones/layout.ts';
import type { Backbone } from '../backbones/types.ts';
import { type AdapterOptions, type Extension, adapterParamCount, createAdapters } from './extensions.ts';
import { unfreezeUnits, unfrozenCount, unitsForShare } from './gradual.ts';
import { countParams, headGroup, parameterGroups, totalParams } from './groups.ts';
import { describeSeconds } from './budget.ts';
import { type LoraOptions, createLora, loraParamCount } from './lora.ts';

export const STRATEGY_NAMES = ['full', 'top', 'linear', 'gradual', 'adapter', 'lora'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

export interface StrategyOptions {
  /**
   * gradual: the share of the body to unfreeze from the top, block by block, within `epochs`.
   * Absent (runs recorded before it): one more whole group every `gradualEvery` epochs, down to all.
   */
  gradual?: { share: number; epochs: number };
  /** gradual: epochs between unfreezing steps (0 or absent: spread over the first half of the run). */
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
  /**
   * Groups of which only some parameters train in `epoch` (`top` on a ResNet: the last convolution
   * of the last stage; `gradual`: the blocks unfrozen so far). Their BatchNorm layers stay in eval
   * mode: the statistics of the untouched layers must not drift on a few hundred images.
   */
  partialAt?(epoch: number): ReadonlyMap<string, ReadonlySet<string>>;
}

/** Whether `param` of `group` trains in `epoch`, given that `group` is unfrozen then. */
export function paramTrains(strategy: StrategyRules, group: string, param: string, epoch: number): boolean {
  const only = strategy.partialAt?.(epoch).get(group);
  return !only || only.has(param);
}

/** A strategy's freezing schedule, without its extension's weights: all a plan needs besides counts. */
export type StrategyRules = Omit<Strategy, 'extension'>;

export function createStrategy(name: StrategyName, backbone: Backbone, opts: StrategyOptions = {}): Strategy {
  const extension = name === 'adapter' ? createAdapters(backbone, opts.adapter) : name === 'lora' ? createLora(backbone, opts.lora) : null;
  return { ...strategyRules(name, backbone, opts), extension };
}

/** Which groups (and parameters) of `backbone` train when, from its shapes alone. */
export function strategyRules(name: StrategyName, backbone: ParamShapes, opts: StrategyOptions = {}): StrategyRules {
  const groups = backbone.groups;
  const head = headGroup(backbone);
  switch (name) {
    case 'full':
      return { name, trainableGroups: () => [...groups] };
    case 'top': {
      const top = topLayers(backbone);
      return { name, trainableGroups: () => top.groups, partialAt: () => top.partial };
    }
    case 'gradual':
      return gradualRules(backbone, opts);
    case 'linear':
    case 'adapter':
    case 'lora':
      return { name, trainableGroups: () => [head] };
  }
}

function gradualRules(backbone: ParamShapes, opts: StrategyOptions): StrategyRules {
  if (opts.gradual) return gradualByBlocks(backbone, opts.gradual.share, opts.gradual.epochs, opts.gradualEvery);
  const groups = backbone.groups;
  const every = Math.max(1, opts.gradualEvery ?? 1);
  return { name: 'gradual', trainableGroups: (epoch) => groups.slice(Math.max(0, groups.length - 1 - Math.floor(epoch / every))) };
}

/** The extension `name` would graft onto a backbone of this layout, counted without building it. */
export function plannedExtension(name: StrategyName, layout: BackboneLayout, opts: StrategyOptions = {}): ExtensionCount | null {
  if (name === 'adapter') return { group: 'adapters', params: adapterParamCount(layout, opts.adapter) };
  if (name === 'lora') return { group: 'lora', params: loraParamCount(layout, opts.lora) };
  return null;
}

/**
 * The guide's top-layer fine-tuning (5-10% of the parameters) at the architecture's natural unit:
 * a ViT's last block and final norm (~8% of ViT-Ti/S/B); a ResNet's last convolution and the
 * BatchNorm after it (resnet50 4%, resnet34 11%, resnet18 21%: its 3x3 convolutions are large).
 */
function topLayers(backbone: ParamShapes): { groups: string[]; partial: Map<string, Set<string>> } {
  const groups = backbone.groups;
  const head = headGroup(backbone);
  if (backbone.family === 'vit') return { groups: groups.slice(-3), partial: new Map() };
  const body = parameterGroups(backbone)[groups.length - 2];
  const isConv = (n: string) => backbone.shapes.get(n)!.length === 4;
  // A block with a shortcut declares its 1x1 downsample after the main path (as timm does); the
  // top layer is the main path's last convolution, which feeds the residual sum.
  const lastConv = Math.max(0, body.params.findLastIndex((n) => isConv(n) && !SHORTCUT.test(n)));
  const next = body.params.findIndex((n, i) => i > lastConv && isConv(n));
  const top = body.params.slice(lastConv, next < 0 ? undefined : next);
  return { groups: [body.name, head], partial: new Map([[body.name, new Set(top)]]) };
}

/** timm's name for a ResNet block's projection shortcut (`layer4.0.downsample.0.weight`). */
const SHORTCUT = /\.downsample\./;

export interface TrainableSummary {
  trainableParams: number;
  totalParams: number;
  /** trainable / total, with extension parameters counted in both. */
  share: number;
  /** Groups that train at some point during the run. */
  groups: string[];
}

/**
 * The blocks of the top `share` of the body, unfrozen from the head down (see gradual.ts); a group
 * whose blocks are only partly unfrozen keeps its BatchNorm statistics.
 */
function gradualByBlocks(backbone: ParamShapes, share: number, epochs: number, every?: number): StrategyRules {
  const units = unitsForShare(unfreezeUnits(backbone), share);
  const head = headGroup(backbone);
  const groupSize = new Map(parameterGroups(backbone).map((g) => [g.name, g.params.length]));
  const cache = new Map<number, { groups: string[]; partial: Map<string, Set<string>> }>();
  const at = (epoch: number) => {
    const n = unfrozenCount(epoch, units.length, epochs, every);
    if (cache.has(n)) return cache.get(n)!;
    const params = units.slice(0, n).flatMap((u) => u.params);
    const byGroup = new Map<string, Set<string>>();
    for (const p of params) {
      const g = backbone.groupOf(p);
      if (!byGroup.has(g)) byGroup.set(g, new Set());
      byGroup.get(g)!.add(p);
    }
    const partial = new Map([...byGroup].filter(([g, ps]) => groupSize.get(g)! > ps.size));
    cache.set(n, { groups: backbone.groups.filter((g) => g === head || byGroup.has(g)), partial });
    return cache.get(n)!;
  };
  return { name: 'gradual', trainableGroups: (e) => at(e).groups, partialAt: (e) => at(e).partial };
}

/** An extension as a plan counts it: its parameter group and its number of parameters. */
export interface ExtensionCount {
  group: string;
  params: number;
}

function countExtension(extension: Extension): ExtensionCount {
  let params = 0;
  for (const v of extension.variables.values()) params += v.size;
  return { group: extension.group, params };
}

/**
 * Trainable parameters over a run of `epochs` (gradual: by its last epoch), from shapes: the same
 * for a built model with its strategy and for a layout with its rules and planned extension.
 */
export function trainableSummary(
  backbone: ParamShapes,
  strategy: StrategyRules & { extension?: Extension | null },
  epochs: number,
  extension: ExtensionCount | null = strategy.extension ? countExtension(strategy.extension) : null,
): TrainableSummary {
  const groups = new Set<string>();
  const trains = new Set<string>();
  const paramsOf = new Map(parameterGroups(backbone).map((g) => [g.name, g.params]));
  for (let e = 0; e < Math.max(1, epochs); e++) {
    for (const g of strategy.trainableGroups(e)) {
      groups.add(g);
      for (const p of paramsOf.get(g) ?? []) if (paramTrains(strategy, g, p, e)) trains.add(p);
    }
  }
  const extra = extension?.params ?? 0;
  const trainable = countParams(backbone, trains) + extra;
  const total = totalParams(backbone) + extra;
  const ordered = backbone.groups.filter((g) => groups.has(g));
  if (extension) ordered.push(extension.group);
  return { trainableParams: trainable, totalParams: total, share: trainable / total, groups: ordered };
}

export interface AutoChoice {
  strategy: StrategyName;
  reason: string;
}

/** Thresholds of the seed's rule of thumb (labelled images). */
export const AUTO_SMALL = 1_000;
export const AUTO_LARGE = 100_000;

/** What `auto` knows besides the data size. */
export interface AutoContext {
  pretrained: boolean;
  /** Estimated seconds to fine-tune every layer for the whole run on the expected backend. */
  fullSeconds: number;
  /** Where that estimate comes from, e.g. "wasm". */
  rung: string;
}

/** Full fine-tuning of a small data set is chosen when it fits this long on the machine. */
export const FULL_BUDGET_SECONDS = 10 * 60;

/**
 * `auto`: pick a strategy from the number of labelled images, the backbone family, whether the
 * weights are pretrained and what fits minutes on this machine, and say why. A random backbone
 * is never frozen: its features are noise.
 */
export function autoStrategy(labelled: number, family: Backbone['family'], ctx: AutoContext): AutoChoice {
  if (!ctx.pretrained) {
    return { strategy: 'full', reason: FROM_SCRATCH_WARNING };
  }
  const minutes = describeSeconds(ctx.fullSeconds);
  if (labelled < AUTO_SMALL && family === 'vit') {
    return { strategy: 'lora', reason: `${labelled} labelled images is little data for a ViT: LoRA (r=8, α=32 on q/v) trains about 1% of the weights and keeps the rest pretrained.` };
  }
  if (labelled < AUTO_SMALL && ctx.fullSeconds <= FULL_BUDGET_SECONDS) {
    return { strategy: 'full', reason: `${labelled} labelled images, and fine-tuning every layer fits in ${minutes} on ${ctx.rung} here: with the pretrained body at a tenth of the head's rate, it beat top-layer training by 9-12 points on held-out images in our measurements (docs/training.md).` };
  }
  if (labelled < AUTO_SMALL) {
    return { strategy: 'top', reason: `${labelled} labelled images (under ${AUTO_SMALL}), and fine-tuning every layer would take ${minutes} on ${ctx.rung}: training the top layers on cached pretrained features takes a fraction of that and avoids overfitting.` };
  }
  if (labelled <= AUTO_LARGE) {
    return { strategy: 'gradual', reason: `${labelled} labelled images (${AUTO_SMALL}-${AUTO_LARGE}): head first, then deeper groups unfrozen one at a time at lower rates adapts the features without forgetting.` };
  }
  return { strategy: 'full', reason: `${labelled} labelled images (over ${AUTO_LARGE}): enough data to fine-tune every layer.` };
}
