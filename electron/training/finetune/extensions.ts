import * as tf from '@tensorflow/tfjs';
import type { BackboneLayout } from '../backbones/layout.ts';
import type { Backbone, ForwardOptions } from '../backbones/types.ts';
import { totalParams } from './groups.ts';
import { Rng } from './rng.ts';

/**
 * Extra trainable modules grafted onto a frozen backbone through ForwardOptions hooks (adapters
 * through afterGroup, LoRA through projectionDelta). The backbone's own variables stay untouched.
 */
export interface Extension {
  kind: 'adapter' | 'lora';
  /** Name of the extension's parameter group (own optimizer, head LR). */
  group: string;
  variables: Map<string, tf.Variable>;
  hooks: Pick<ForwardOptions, 'afterGroup' | 'projectionDelta'>;
  /** Index of the first backbone group whose output the extension changes (cached prefixes stop there). */
  firstGroupIndex: number;
  dispose(): void;
}

let counter = 0;
/** A variable with a process-unique tfjs name (tfjs refuses duplicates). */
export function namedVariable(name: string, value: tf.Tensor, trainable = true): tf.Variable {
  const v = tf.variable(value, trainable, `${name}#ext${++counter}`);
  value.dispose();
  return v;
}

/** Dense over the last axis of a tensor of any rank. */
export function denseLast(x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor): tf.Tensor {
  const shape = x.shape;
  const flat = tf.reshape(x, [-1, shape[shape.length - 1]]) as tf.Tensor2D;
  const y = tf.matMul(flat, w as tf.Tensor2D);
  return tf.reshape(b ? tf.add(y, b) : y, [...shape.slice(0, -1), w.shape[1]!]);
}

export function gelu(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
}

/** Width of each hooked group's output, found with one forward pass of a blank image. */
export function probeGroupWidths(backbone: Backbone): Map<string, number> {
  const widths = new Map<string, number>();
  tf.tidy(() => {
    const x = tf.zeros([1, backbone.imageSize, backbone.imageSize, 3]) as tf.Tensor4D;
    backbone.forwardFeatures(x, {
      afterGroup: (g, out) => {
        widths.set(g, out.shape[out.shape.length - 1]);
        return out;
      },
    });
  });
  return widths;
}

export interface AdapterOptions {
  /**
   * Share of the backbone's parameters the adapters add (the guide: 3-5%): each bottleneck's width
   * is proportional to its site's channels, scaled to hit the share. The default, 4%.
   */
  targetShare?: number;
  /** Bottleneck width = channels / reduction (at least 4) instead of a share: runs recorded before shares. */
  reduction?: number;
  activation?: 'relu' | 'gelu';
  seed?: number;
}

export const ADAPTER_SHARE = 0.04;

/**
 * Bottleneck width per site: channels × k, with k such that the adapters (2·c·r weights each)
 * add `targetShare` of the backbone's `params`; or channels / reduction for old runs.
 */
function bottleneckWidth(params: number, widths: ReadonlyMap<string, number>, opts: AdapterOptions): (c: number) => number {
  if (opts.reduction !== undefined) return (c) => Math.max(4, Math.round(c / opts.reduction!));
  const squares = [...widths.values()].reduce((s, c) => s + 2 * c * c, 0);
  const k = ((opts.targetShare ?? ADAPTER_SHARE) * params) / squares;
  return (c) => Math.max(4, Math.round(k * c));
}

/** What createAdapters would add to a backbone of this layout: down and up weights and biases per site. */
export function adapterParamCount(layout: BackboneLayout, opts: AdapterOptions = {}): number {
  const width = bottleneckWidth(totalParams(layout), layout.hookWidths, opts);
  let n = 0;
  for (const c of layout.hookWidths.values()) {
    const r = width(c);
    n += c * r + r + r * c + c;
  }
  return n;
}

/**
 * Houlsby-style bottleneck adapters after each ResNet stage / ViT block: x + up(act(down(x))).
 * `up` starts at zero, so training begins exactly at the pretrained network.
 */
export function createAdapters(backbone: Backbone, opts: AdapterOptions = {}): Extension {
  const widths = probeGroupWidths(backbone);
  const rng = new Rng(opts.seed ?? 7);
  const variables = new Map<string, tf.Variable>();
  const width = bottleneckWidth(totalParams(backbone), widths, opts);
  for (const [g, c] of widths) {
    const r = width(c);
    variables.set(`adapters.${g}.down.weight`, namedVariable(`adapters.${g}.down.weight`, tf.tensor(rng.normalArray(c * r, Math.sqrt(2 / c)), [c, r])));
    variables.set(`adapters.${g}.down.bias`, namedVariable(`adapters.${g}.down.bias`, tf.zeros([r])));
    variables.set(`adapters.${g}.up.weight`, namedVariable(`adapters.${g}.up.weight`, tf.zeros([r, c])));
    variables.set(`adapters.${g}.up.bias`, namedVariable(`adapters.${g}.up.bias`, tf.zeros([c])));
  }
  const act = opts.activation === 'gelu' ? gelu : tf.relu;
  const v = (g: string, n: string) => variables.get(`adapters.${g}.${n}`)!;
  const first = Math.min(...[...widths.keys()].map((g) => backbone.groups.indexOf(g)));
  return {
    kind: 'adapter',
    group: 'adapters',
    variables,
    firstGroupIndex: first,
    hooks: {
      afterGroup: (g, x) => {
        if (!widths.has(g)) return x;
        const h = act(denseLast(x, v(g, 'down.weight'), v(g, 'down.bias')));
        return tf.add(x, denseLast(h, v(g, 'up.weight'), v(g, 'up.bias')));
      },
    },
    dispose: () => variables.forEach((t) => t.dispose()),
  };
}
