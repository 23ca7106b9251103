import * as tf from '@tensorflow/tfjs';
import type { ArchGraph, ArchOp } from './arch-graph.ts';
import { convBn, maxPoolAfterRelu } from './ops.ts';
import type { ParamStore } from './params.ts';
import type { ForwardOptions } from './types.ts';

/**
 * The eager TF.js interpreter of an ArchGraph: each op becomes the tf calls of ops.ts, over the
 * model's variables, so gradients flow and BatchNorm follows the group's training mode.
 */

export interface EagerContext {
  params: ParamStore;
  /** BatchNorm in training mode (batch statistics, running statistics updated). */
  training: boolean;
  opts: ForwardOptions;
}

export function runOps(ops: readonly ArchOp[], x: tf.Tensor, ctx: EagerContext): tf.Tensor {
  let y = x;
  for (const op of ops) y = runOp(op, y, ctx);
  return y;
}

function runOp(op: ArchOp, x: tf.Tensor, ctx: EagerContext): tf.Tensor {
  const p = ctx.params;
  switch (op.op) {
    case 'convBn':
      return convBn(x as tf.Tensor4D, p.get(`${op.conv}.weight`), p.batchNorm(op.bn), op.stride, op.pad, ctx.training, op.relu);
    case 'maxPool':
      return maxPoolAfterRelu(x as tf.Tensor4D, op.size, op.stride, op.pad);
    case 'residual': {
      const sum = tf.add(runOps(op.body, x, ctx), runOps(op.shortcut, x, ctx));
      return op.relu ? tf.relu(sum) : sum;
    }
  }
}

/** Features → pre-logits embedding [N, D]. */
export function poolFeatures(kind: ArchGraph['head']['pool'], features: tf.Tensor): tf.Tensor2D {
  if (kind === 'avg') return tf.mean(features, [1, 2]) as tf.Tensor2D;
  const [n, , d] = features.shape;
  return tf.reshape(tf.slice(features, [0, 0, 0], [n, 1, d]), [n, d]);
}
