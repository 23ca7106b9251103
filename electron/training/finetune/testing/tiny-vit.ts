import * as tf from '@tensorflow/tfjs';
import { validation } from '../../../../shared/contract/errors.ts';
import type { Backbone, ForwardOptions } from '../../backbones/types.ts';
import { VarStore, addDense, addLayerNorm, dense, layerNorm, noWeightDecayName } from './layers.ts';

export interface TinyOptions {
  numClasses: number;
  imageSize: number;
  /** Seed of the weight initialisation. */
  seed?: number;
  width?: number;
}

/**
 * A tiny ViT implementing the Backbone surface with timm's names (patch_embed, cls_token, pos_embed,
 * blocks.i.attn.qkv fused, norm, head), so LoRA's projectionDelta and its exact merge into the
 * fused qkv weight are tested on the same layout the real ViT uses.
 */
export function createTinyVit(opts: TinyOptions & { depth?: number; patch?: number }): Backbone {
  const d = opts.width ?? 16;
  const depth = opts.depth ?? 2;
  const patch = opts.patch ?? 8;
  const heads = 2;
  const tokens = (opts.imageSize / patch) ** 2 + 1;
  const vs = new VarStore(opts.seed ?? 2);
  vs.normal('patch_embed.proj.weight', [patch, patch, 3, d], Math.sqrt(1 / (patch * patch * 3)));
  vs.fill('patch_embed.proj.bias', [d], 0);
  vs.normal('cls_token', [1, 1, d], 0.02);
  vs.normal('pos_embed', [1, tokens, d], 0.02);
  for (let i = 0; i < depth; i++) {
    const p = `blocks.${i}`;
    addLayerNorm(vs, `${p}.norm1`, d);
    addDense(vs, `${p}.attn.qkv`, d, 3 * d);
    addDense(vs, `${p}.attn.proj`, d, d);
    addLayerNorm(vs, `${p}.norm2`, d);
    addDense(vs, `${p}.mlp.fc1`, d, 2 * d);
    addDense(vs, `${p}.mlp.fc2`, 2 * d, d);
  }
  addLayerNorm(vs, 'norm', d);
  addDense(vs, 'head', d, opts.numClasses);
  const groups = ['stem', ...Array.from({ length: depth }, (_, i) => `blocks.${i}`), 'norm', 'head'];
  const groupOf = (name: string) => {
    const m = /^blocks\.(\d+)\./.exec(name);
    if (m) return `blocks.${m[1]}`;
    if (name.startsWith('norm.')) return 'norm';
    if (name.startsWith('head.')) return 'head';
    return 'stem';
  };

  const stem = (x: tf.Tensor4D): tf.Tensor => {
    const n = x.shape[0];
    const y = tf.add(tf.conv2d(x, vs.get('patch_embed.proj.weight') as tf.Tensor4D, patch, 'valid'), vs.get('patch_embed.proj.bias'));
    const seq = tf.reshape(y, [n, -1, d]);
    const cls = tf.tile(vs.get('cls_token'), [n, 1, 1]);
    return tf.add(tf.concat([cls, seq], 1), vs.get('pos_embed'));
  };

  const attention = (i: number, h: tf.Tensor, o?: ForwardOptions): tf.Tensor => {
    const [n, t] = h.shape;
    const qkv = dense(vs, `blocks.${i}.attn.qkv`, h);
    let [q, k, v] = tf.split(qkv, 3, -1);
    const delta = (which: 'q' | 'k' | 'v', base: tf.Tensor) => {
      const extra = o?.projectionDelta?.(i, which, h);
      return extra ? tf.add(base, extra) : base;
    };
    [q, k, v] = [delta('q', q), delta('k', k), delta('v', v)];
    const split = (z: tf.Tensor) => tf.transpose(tf.reshape(z, [n, t, heads, d / heads]), [0, 2, 1, 3]);
    const scores = tf.div(tf.matMul(split(q), split(k), false, true), Math.sqrt(d / heads));
    const out = tf.matMul(tf.softmax(scores), split(v));
    return dense(vs, `blocks.${i}.attn.proj`, tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [n, t, d]));
  };

  const block = (i: number, x: tf.Tensor, o?: ForwardOptions): tf.Tensor => {
    const a = tf.add(x, attention(i, layerNorm(vs, `blocks.${i}.norm1`, x), o));
    const m = dense(vs, `blocks.${i}.mlp.fc2`, tf.relu(dense(vs, `blocks.${i}.mlp.fc1`, layerNorm(vs, `blocks.${i}.norm2`, a))));
    const out = tf.add(a, m);
    return o?.afterGroup ? o.afterGroup(`blocks.${i}`, out) : out;
  };

  const head = (f: tf.Tensor, preLogits: boolean): tf.Tensor2D => {
    const pooled = tf.reshape(tf.slice(f, [0, 0, 0], [-1, 1, -1]), [-1, d]);
    return (preLogits ? pooled : dense(vs, 'head', pooled)) as tf.Tensor2D;
  };

  const stage = (g: string, x: tf.Tensor, o?: ForwardOptions): tf.Tensor => {
    if (g === 'stem') return stem(x as tf.Tensor4D);
    if (g === 'norm') return layerNorm(vs, 'norm', x);
    if (g === 'head') return head(x, false);
    return block(Number(g.slice('blocks.'.length)), x, o);
  };

  let numClasses = opts.numClasses;
  const backbone: Backbone = {
    arch: 'tiny_vit',
    family: 'vit',
    featureDim: d,
    get numClasses() {
      return numClasses;
    },
    imageSize: opts.imageSize,
    checkInputSize(height, width) {
      if (height !== opts.imageSize || width !== opts.imageSize) {
        throw validation(`tiny_vit takes square ${opts.imageSize}×${opts.imageSize} px images only (one position embedding per patch), got ${height}×${width}.`);
      }
    },
    variables: vs.vars,
    get shapes() {
      return new Map([...vs.vars].map(([n, v]) => [n, v.shape]));
    },
    groups,
    groupOf,
    noWeightDecay: noWeightDecayName,
    isBuffer: () => false,
    runGroups(x, from, to, o) {
      if (from === 0 && to > 0) backbone.checkInputSize(x.shape[1]!, x.shape[2]!);
      let y = x;
      for (let i = from; i < to; i++) y = stage(groups[i], y, o);
      return y;
    },
    forwardFeatures: (x, o) => backbone.runGroups(x, 0, groups.length - 1, o),
    forwardHead: (f, o) => head(f, o?.preLogits === true),
    forward: (x, o) => backbone.runGroups(x, 0, groups.length, o) as tf.Tensor2D,
    resetClassifier(n) {
      for (const k of ['head.weight', 'head.bias']) {
        vs.get(k).dispose();
        vs.vars.delete(k);
      }
      addDense(vs, 'head', d, n);
      numClasses = n;
    },
    dispose() {
      for (const v of vs.vars.values()) v.dispose();
    },
  };
  return backbone;
}
