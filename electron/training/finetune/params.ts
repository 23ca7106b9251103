import type * as tf from '@tensorflow/tfjs';
import type { Backbone } from '../backbones/types.ts';
import { AdamW } from './adamw.ts';
import { parameterGroups } from './groups.ts';
import { groupLearningRates } from './lr.ts';
import { type Strategy, paramTrains } from './strategies.ts';

/** One trainable parameter: our name, its variable and its optimizer group. */
export interface ParamEntry {
  name: string;
  variable: tf.Variable;
  group: string;
}

export interface ParamSetOptions {
  /** Rate of the head and of every part outside the backbone. */
  lr: number;
  /** Rate of the body's top group (the groups below decay by `layerDecay`). */
  bodyLr: number;
  layerDecay: number;
  weightDecay: number;
  /** Extra trainable modules outside the backbone (auxiliary head, multi-task weights) by group. */
  extra?: Record<string, Map<string, tf.Variable>>;
  /** epochs of the run: groups that never train get no optimizer. */
  epochs: number;
}

/**
 * Every parameter that trains at some point of the run, with one AdamW per group (own LR, weight
 * decay off for norms/biases/position embeddings), and the base LR of each group.
 */
export class ParamSet {
  readonly entries: ParamEntry[] = [];
  readonly optimizers = new Map<string, AdamW>();
  readonly baseLrs: Record<string, number>;
  private readonly byTfName = new Map<string, ParamEntry>();
  /** Backbone groups; the other groups (extension, auxiliary head) train in every epoch. */
  private readonly backboneGroups: ReadonlySet<string>;
  private readonly strategy: Strategy;

  constructor(backbone: Backbone, strategy: Strategy, opts: ParamSetOptions) {
    this.backboneGroups = new Set(backbone.groups);
    const layerLrs = groupLearningRates(backbone.groups, opts.lr, opts.bodyLr, opts.layerDecay);
    this.strategy = strategy;
    const active = new Set<string>();
    for (let e = 0; e < opts.epochs; e++) strategy.trainableGroups(e).forEach((g) => active.add(g));
    const everTrains = (group: string, param: string) => Array.from({ length: opts.epochs }, (_, e) => e).some((e) => strategy.trainableGroups(e).includes(group) && paramTrains(strategy, group, param, e));
    this.baseLrs = {};
    const noDecay = new Set<string>();
    const add = (group: string, vars: Iterable<[string, tf.Variable]>, lr: number) => {
      const params = new Map<string, tf.Variable>();
      for (const [name, variable] of vars) {
        const entry = { name, variable, group };
        this.entries.push(entry);
        this.byTfName.set(variable.name, entry);
        params.set(name, variable);
        if (/(^|\.)(bias|log_vars)$/.test(name) || (group in layerLrs && backbone.noWeightDecay(name))) noDecay.add(name);
      }
      this.baseLrs[group] = lr;
      this.optimizers.set(group, new AdamW(group, params, { weightDecay: opts.weightDecay, noDecay }));
    };
    for (const g of parameterGroups(backbone)) {
      if (!active.has(g.name)) continue;
      const trains = g.params.filter((n) => everTrains(g.name, n));
      add(g.name, trains.map((n) => [n, backbone.variables.get(n)!] as [string, tf.Variable]), layerLrs[g.name]);
    }
    if (strategy.extension) add(strategy.extension.group, strategy.extension.variables, opts.lr);
    for (const [group, vars] of Object.entries(opts.extra ?? {})) add(group, vars, opts.lr);
  }

  /** Variables that train in `epoch`, whose backbone groups `trainable` are unfrozen. */
  trainableVariables(trainable: ReadonlySet<string>, epoch: number): tf.Variable[] {
    return this.entries
      .filter((e) => !this.backboneGroups.has(e.group) || (trainable.has(e.group) && paramTrains(this.strategy, e.group, e.name, epoch)))
      .map((e) => e.variable);
  }

  /** Optimizer groups outside the backbone (extension, auxiliary head), which train every epoch. */
  extraGroups(): string[] {
    return [...this.optimizers.keys()].filter((g) => !this.backboneGroups.has(g));
  }

  /** Gradients from tf.variableGrads (keyed by tfjs names), regrouped per optimizer and our names. */
  groupGrads(grads: Record<string, tf.Tensor>): Map<string, Map<string, tf.Tensor>> {
    const out = new Map<string, Map<string, tf.Tensor>>();
    for (const [tfName, g] of Object.entries(grads)) {
      const e = this.byTfName.get(tfName);
      if (!e) continue;
      const m = out.get(e.group) ?? new Map<string, tf.Tensor>();
      m.set(e.name, g);
      out.set(e.group, m);
    }
    return out;
  }

  /** Fresh moments in every group's optimizer. */
  resetOptimizers(): void {
    for (const o of this.optimizers.values()) o.reset();
  }

  /** Multiply every group's base LR (the ratios between groups stay). */
  scaleLrs(factor: number): void {
    for (const g of Object.keys(this.baseLrs)) this.baseLrs[g] *= factor;
  }

  dispose(): void {
    for (const o of this.optimizers.values()) o.dispose();
  }
}
