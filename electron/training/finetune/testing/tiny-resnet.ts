import * as tf from '@tensorflow/tfjs';
import type { Backbone, ForwardOptions } from '../../backbones/types.ts';
import { VarStore, addBatchNorm, addDense, batchNorm, noWeightDecayName } from './layers.ts';

export interface TinyOptions {
  numClasses: number;
  imageSize: number;
  /** Seed of the weight initialisation. */
  seed?: number;
  width?: number;
}

/**
 * A tiny ResNet-like net implementing the Backbone surface: stem (conv3x3/2 + BN + ReLU), one
 * residual stage `layer1` (conv3x3 + BN + ReLU, skip) and a linear head on average-pooled features.
 * Fast enough for unit tests of every strategy; the real backbones plug in through the same surface.
 */
export function createTinyResnet(opts: TinyOptions): Backbone {
  const c = opts.width ?? 8;
  const vs = new VarStore(opts.seed ?? 1);
  vs.normal('conv1.weight', [3, 3, 3, c], Math.sqrt(2 / 27));
  addBatchNorm(vs, 'bn1', c);
  vs.normal('layer1.0.conv1.weight', [3, 3, c, c], Math.sqrt(2 / (9 * c)));
  addBatchNorm(vs, 'layer1.0.bn1', c);
  addDense(vs, 'fc', c, opts.numClasses);
  const groups = ['stem', 'layer1', 'head'] as const;
  const groupOf = (name: string) => (name.startsWith('fc.') ? 'head' : name.startsWith('layer1.') ? 'layer1' : 'stem');

  const isTraining = (o: ForwardOptions | undefined, g: string) =>
    typeof o?.training === 'function' ? o.training(g) : o?.training === true;

  const stage = (g: string, x: tf.Tensor4D, o?: ForwardOptions): tf.Tensor => {
    if (g === 'stem') {
      const y = tf.conv2d(x, vs.get('conv1.weight') as tf.Tensor4D, 2, 'same');
      return tf.relu(batchNorm(vs, 'bn1', y, isTraining(o, g)));
    }
    if (g === 'layer1') {
      const y = tf.conv2d(x, vs.get('layer1.0.conv1.weight') as tf.Tensor4D, 1, 'same');
      const out = tf.relu(tf.add(x, batchNorm(vs, 'layer1.0.bn1', y, isTraining(o, g))));
      return o?.afterGroup ? o.afterGroup(g, out) : out;
    }
    return head(x, false);
  };

  const head = (features: tf.Tensor, preLogits: boolean): tf.Tensor2D => {
    const pooled = tf.mean(features, [1, 2]) as tf.Tensor2D;
    if (preLogits) return pooled;
    return tf.add(tf.matMul(pooled, vs.get('fc.weight') as tf.Tensor2D), vs.get('fc.bias'));
  };

  let numClasses = opts.numClasses;
  const backbone: Backbone = {
    arch: 'tiny_resnet',
    family: 'resnet',
    featureDim: c,
    get numClasses() {
      return numClasses;
    },
    imageSize: opts.imageSize,
    checkInputSize: () => {}, // any H x W, as the real ResNets
    variables: vs.vars,
    get shapes() {
      return new Map([...vs.vars].map(([n, v]) => [n, v.shape]));
    },
    groups,
    groupOf,
    noWeightDecay: noWeightDecayName,
    isBuffer: (n) => vs.buffers.has(n),
    runGroups(x, from, to, o) {
      let y = x;
      for (let i = from; i < to; i++) y = stage(groups[i], y as tf.Tensor4D, o);
      return y;
    },
    forwardFeatures: (x, o) => backbone.runGroups(x, 0, groups.length - 1, o),
    forwardHead: (f, o) => head(f, o?.preLogits === true),
    forward: (x, o) => backbone.runGroups(x, 0, groups.length, o) as tf.Tensor2D,
    resetClassifier(n) {
      vs.get('fc.weight').dispose();
      vs.get('fc.bias').dispose();
      vs.vars.delete('fc.weight');
      vs.vars.delete('fc.bias');
      addDense(vs, 'fc', c, n);
      numClasses = n;
    },
    dispose() {
      for (const v of vs.vars.values()) v.dispose();
    },
  };
  return backbone;
}
