import * as tf from '@tensorflow/tfjs';
import type { Backbone, ForwardOptions } from '../../backbones/types.ts';
import { VarStore, addBatchNorm, addDense, batchNorm, noWeightDecayName } from '../testing/layers.ts';

export interface SmallResnetOptions {
  numClasses: number;
  imageSize: number;
  seed?: number;
  /** Channels of the three stages (default 16, 32, 64). */
  widths?: [number, number, number];
}

const GROUPS = ['stem', 'layer1', 'layer2', 'layer3', 'head'] as const;

/**
 * A small three-stage ResNet for the transfer test: deep enough that pretrained features are worth
 * more than 250 labels (the one-stage tiny test net is not), cheap enough for CI on wasm at 16-28 px.
 * stem: conv3x3 + BN + ReLU; each stage: conv3x3/2 + BN + ReLU, then a residual conv3x3 + BN.
 */
export function createSmallResnet(opts: SmallResnetOptions): Backbone {
  const widths = opts.widths ?? [16, 32, 64];
  const vs = new VarStore(opts.seed ?? 1);
  const conv = (name: string, cin: number, cout: number) => vs.normal(name, [3, 3, cin, cout], Math.sqrt(2 / (9 * cin)));
  conv('conv1.weight', 3, widths[0]);
  addBatchNorm(vs, 'bn1', widths[0]);
  widths.forEach((c, i) => {
    const p = `layer${i + 1}`;
    conv(`${p}.down.weight`, i === 0 ? widths[0] : widths[i - 1], c);
    addBatchNorm(vs, `${p}.bn1`, c);
    conv(`${p}.conv.weight`, c, c);
    addBatchNorm(vs, `${p}.bn2`, c);
  });
  addDense(vs, 'fc', widths[2], opts.numClasses);
  const groupOf = (name: string) => (name.startsWith('fc.') ? 'head' : (/^layer\d/.exec(name)?.[0] ?? 'stem'));
  const isTraining = (o: ForwardOptions | undefined, g: string) => (typeof o?.training === 'function' ? o.training(g) : o?.training === true);
  const convBn = (x: tf.Tensor4D, p: string, bn: string, stride: number, train: boolean) =>
    batchNorm(vs, bn, tf.conv2d(x, vs.get(`${p}.weight`) as tf.Tensor4D, stride, 'same'), train);

  const stage = (g: string, x: tf.Tensor4D, o?: ForwardOptions): tf.Tensor => {
    const train = isTraining(o, g);
    if (g === 'stem') return tf.relu(convBn(x, 'conv1', 'bn1', 1, train));
    if (g === 'head') return head(x, false);
    const y = tf.relu(convBn(x, `${g}.down`, `${g}.bn1`, 2, train));
    const out = tf.relu(tf.add(y, convBn(y, `${g}.conv`, `${g}.bn2`, 1, train)));
    return o?.afterGroup ? o.afterGroup(g, out) : out;
  };
  const head = (features: tf.Tensor, preLogits: boolean): tf.Tensor2D => {
    const pooled = tf.mean(features, [1, 2]) as tf.Tensor2D;
    return preLogits ? pooled : tf.add(tf.matMul(pooled, vs.get('fc.weight') as tf.Tensor2D), vs.get('fc.bias'));
  };

  let numClasses = opts.numClasses;
  const backbone: Backbone = {
    arch: 'small_resnet',
    family: 'resnet',
    featureDim: widths[2],
    get numClasses() {
      return numClasses;
    },
    imageSize: opts.imageSize,
    checkInputSize: () => {}, // any H x W, as the real ResNets
    variables: vs.vars,
    get shapes() {
      return new Map([...vs.vars].map(([n, v]) => [n, v.shape]));
    },
    groups: GROUPS,
    groupOf,
    noWeightDecay: noWeightDecayName,
    isBuffer: (n) => vs.buffers.has(n),
    runGroups(x, from, to, o) {
      let y = x;
      for (let i = from; i < to; i++) y = stage(GROUPS[i], y as tf.Tensor4D, o);
      return y;
    },
    forwardFeatures: (x, o) => backbone.runGroups(x, 0, GROUPS.length - 1, o),
    forwardHead: (f, o) => head(f, o?.preLogits === true),
    forward: (x, o) => backbone.runGroups(x, 0, GROUPS.length, o) as tf.Tensor2D,
    resetClassifier(n) {
      for (const name of ['fc.weight', 'fc.bias']) {
        vs.get(name).dispose();
        vs.vars.delete(name);
      }
      addDense(vs, 'fc', widths[2], n);
      numClasses = n;
    },
    dispose() {
      for (const v of vs.vars.values()) v.dispose();
    },
  };
  return backbone;
}
