import * as tf from '@tensorflow/tfjs';
import { validation } from '../../../shared/contract/errors.ts';
import { type ArchGraph, type ArchOp, type Cut, type ResidualOp, cutName } from './arch-graph.ts';
import { linear } from './ops.ts';
import { type BackboneLayout, classifierParams, isBufferName } from './layout.ts';
import { ParamStore } from './params.ts';
import { poolFeatures, residualFrom, residualUpTo, runOps } from './run-graph.ts';
import type { Backbone, BackboneFamily, ForwardOptions } from './types.ts';

export type { BackboneBuildOptions } from './layout.ts';

/**
 * What every family shares: the group walk (runGroups/forward) over the family's ArchGraph, the
 * classifier, weight-decay and buffer rules, disposal. A family supplies its layout, its graph and
 * which input sizes it takes.
 */
export abstract class BaseBackbone implements Backbone {
  abstract readonly family: BackboneFamily;
  readonly arch: string;
  readonly featureDim: number;
  readonly imageSize: number;
  readonly groups: readonly string[];
  protected readonly params: ParamStore;
  private classes: number;
  readonly classifier: string;

  /** Allocates every parameter the layout declares, in its order (the seed's draws follow it). */
  constructor(private readonly layout: BackboneLayout, readonly graph: ArchGraph, seed?: number) {
    const described = [...graph.groups.map((g) => g.name), 'head'];
    if (described.join() !== layout.groups.join()) throw new Error(`${layout.arch}: the graph's groups ${described.join(', ')} differ from the layout's ${layout.groups.join(', ')}`);
    this.arch = layout.arch;
    this.featureDim = layout.featureDim;
    this.imageSize = layout.imageSize;
    this.groups = layout.groups;
    this.classes = layout.numClasses;
    this.classifier = layout.classifier;
    this.params = new ParamStore(seed);
    for (const [name, spec] of layout.params) this.params.addSpec(name, spec);
  }

  get numClasses(): number {
    return this.classes;
  }

  get variables(): ReadonlyMap<string, tf.Variable> {
    return this.params.variables;
  }

  get shapes(): ReadonlyMap<string, readonly number[]> {
    return new Map([...this.params.variables].map(([name, v]) => [name, v.shape]));
  }

  groupOf(variableName: string): string {
    this.params.get(variableName);
    return this.layout.groupOf(variableName);
  }

  /**
   * Run group `index` from cut `start` to cut `end` (inside a tidy); `end` null: to the group's
   * end, where the afterGroup hook sees the groups the graph marks as adapter points.
   */
  private runSpan(index: number, x: tf.Tensor, start: Cut, end: Cut | null, opts: ForwardOptions): tf.Tensor {
    const group = this.graph.groups[index];
    if (!group) return this.forwardHead(x);
    const ctx = { params: this.params, training: this.isTraining(group.name, opts), opts };
    const ops = group.ops;
    let y = x;
    let op = start.op;
    if (start.body !== undefined) {
      if (end?.op === op) throw validation(`${this.arch}: a span from ${cutName(start)} to ${cutName(end)} stays inside one residual block; run the block whole.`);
      y = residualFrom(residualAt(ops, op), start.body, y, ctx);
      op++;
    }
    y = runOps(ops.slice(op, end ? end.op : undefined), y, ctx);
    if (end?.body !== undefined) return residualUpTo(residualAt(ops, end.op), end.body, y, ctx);
    return group.adapter && !end ? this.afterGroup(group.name, y, opts) : y;
  }

  /** Why the family cannot run an image of height x width, or null when it can. */
  protected abstract inputSizeError(height: number, width: number): string | null;

  checkInputSize(height: number, width: number): void {
    if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
      throw validation(`${this.arch}: an image must be at least 1×1 px, got ${height}×${width}.`);
    }
    const error = this.inputSizeError(height, width);
    if (error) throw validation(error);
  }

  /** Names that get no weight decay beyond norms and biases (timm's `no_weight_decay()`). */
  protected noDecayExtra(): readonly string[] {
    return [];
  }

  private addClassifier(): void {
    for (const [name, spec] of classifierParams(this.classifier, this.featureDim, this.classes)) this.params.addSpec(name, spec);
  }

  /** Whether BatchNorm in `group` runs in training mode. */
  private isTraining(group: string, opts: ForwardOptions): boolean {
    const t = opts.training;
    return typeof t === 'function' ? t(group) : t === true;
  }

  /** Applies the afterGroup hook (adapters) to a stage / block output. */
  private afterGroup(group: string, x: tf.Tensor, opts: ForwardOptions): tf.Tensor {
    return opts.afterGroup ? opts.afterGroup(group, x) : x;
  }

  /** timm's optimizer rule: 1-d parameters (norms), biases, and the family's extra names. */
  noWeightDecay(variableName: string): boolean {
    const v = this.params.get(variableName);
    return v.rank <= 1 || variableName.endsWith('.bias') || this.noDecayExtra().includes(variableName);
  }

  isBuffer(variableName: string): boolean {
    return isBufferName(variableName);
  }

  runGroups(x: tf.Tensor, from: number, to: number, opts: ForwardOptions = {}): tf.Tensor {
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > this.groups.length || from > to) {
      throw validation(`runGroups(${from}, ${to}) is outside the ${this.groups.length} groups of ${this.arch}.`);
    }
    return this.runBetween(x, { group: from, op: 0 }, { group: to, op: 0 }, opts);
  }

  runBetween(x: tf.Tensor, from: Cut, to: Cut, opts: ForwardOptions = {}): tf.Tensor {
    if (!this.isCut(from) || !this.isCut(to) || compareCuts(to, from) < 0) {
      throw validation(`runBetween(${cutName(from)}, ${cutName(to)}) is not a span of ${this.arch}'s ${this.groups.length} groups.`);
    }
    const empty = compareCuts(from, to) === 0;
    if (compareCuts(from, { group: 0, op: 0 }) === 0 && !empty) {
      if (x.rank !== 4 || x.shape[3] !== 3) throw validation(`${this.arch} expects images as [N, H, W, 3] (NHWC, RGB), got [${x.shape.join(', ')}].`);
      const [, height, width] = x.shape as number[];
      this.checkInputSize(height, width);
    }
    // The caller owns x; each group's intermediates are freed as soon as the next group has run.
    let y = empty ? tf.clone(x) : x;
    for (let i = from.group; i <= to.group; i++) {
      const start = i === from.group ? from : { group: i, op: 0 };
      const end = i === to.group ? to : null;
      if (end && compareCuts(end, start) <= 0) continue;
      const input = y;
      y = tf.tidy(() => this.runSpan(i, input, start, end, opts));
      if (input !== x) input.dispose();
    }
    return y;
  }

  /** Whether `c` names a point of the graph: an op of a group (or a body op after the first of a residual), the head's input, the output. */
  private isCut({ group, op, body }: Cut): boolean {
    if (!Number.isInteger(group) || !Number.isInteger(op) || group < 0 || group > this.groups.length || op < 0) return false;
    const ops = this.graph.groups[group]?.ops ?? [];
    if (body === undefined) return op === 0 || op < ops.length;
    const residual = ops[op];
    return residual?.op === 'residual' && Number.isInteger(body) && body >= 1 && body < residual.body.length;
  }

  forwardFeatures(x: tf.Tensor4D, opts?: ForwardOptions): tf.Tensor {
    return this.runGroups(x, 0, this.groups.length - 1, opts);
  }

  forwardHead(features: tf.Tensor, opts: { preLogits?: boolean } = {}): tf.Tensor2D {
    return tf.tidy(() => {
      const pooled = poolFeatures(this.graph.head.pool, features);
      if (opts.preLogits || this.classes === 0) return pooled;
      const w = this.params.get(`${this.classifier}.weight`);
      return linear(pooled, w, this.params.get(`${this.classifier}.bias`)) as tf.Tensor2D;
    });
  }

  forward(x: tf.Tensor4D, opts?: ForwardOptions): tf.Tensor2D {
    return this.runGroups(x, 0, this.groups.length, opts) as tf.Tensor2D;
  }

  resetClassifier(numClasses: number): void {
    if (!Number.isInteger(numClasses) || numClasses < 0) {
      throw validation(`The number of classes must be a whole number ≥ 0, got ${numClasses}.`);
    }
    this.params.remove(`${this.classifier}.`);
    this.classes = numClasses;
    this.addClassifier();
  }

  dispose(): void {
    this.params.dispose();
  }
}

/** Cut order along the forward pass (a cut before an op comes before those inside it). */
function compareCuts(a: Cut, b: Cut): number {
  return a.group - b.group || a.op - b.op || (a.body ?? 0) - (b.body ?? 0);
}

function residualAt(ops: readonly ArchOp[], index: number): ResidualOp {
  const op = ops[index];
  if (op?.op !== 'residual') throw new Error(`op ${index} is a ${op?.op ?? 'missing'} op, not a residual block`);
  return op;
}
