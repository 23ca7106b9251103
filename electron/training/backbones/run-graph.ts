import * as tf from '@tensorflow/tfjs';
import type { ArchGraph, ArchOp } from './arch-graph.ts';
import type { AttentionOp, PatchEmbedOp, ResidualOp } from './arch-graph.ts';
import { conv2d, convBn, gelu, layerNorm, linear, maxPoolAfterRelu } from './ops.ts';
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
    case 'patchEmbed':
      return patchEmbed(op, x as tf.Tensor4D, p);
    case 'layerNorm':
      return layerNorm(x, p.get(`${op.name}.weight`), p.get(`${op.name}.bias`), op.eps);
    case 'attention':
      return attention(op, x, ctx);
    case 'mlp': {
      const hidden = gelu(linear(x, p.get(`${op.prefix}.fc1.weight`), p.get(`${op.prefix}.fc1.bias`)));
      return linear(hidden, p.get(`${op.prefix}.fc2.weight`), p.get(`${op.prefix}.fc2.bias`));
    }
  }
}

/**
 * Residual `op` up to op `k` of its body: the body's output there and the shortcut's (complete)
 * output, concatenated on the last axis. The state a cut inside a residual carries.
 */
export function residualUpTo(op: ResidualOp, k: number, x: tf.Tensor, ctx: EagerContext): tf.Tensor {
  return tf.concat([runOps(op.body.slice(0, k), x, ctx), runOps(op.shortcut, x, ctx)], -1);
}

/** The rest of residual `op` from op `k` of its body, on the state residualUpTo(op, k) gave. */
export function residualFrom(op: ResidualOp, k: number, state: tf.Tensor, ctx: EagerContext): tf.Tensor {
  const width = inputWidth(op.body[k], ctx.params);
  const lead = state.shape.slice(0, -1);
  const begin = lead.map(() => 0);
  const body = tf.slice(state, [...begin, 0], [...lead, width]);
  const shortcut = tf.slice(state, [...begin, width], [...lead, -1]);
  const sum = tf.add(runOps(op.body.slice(k), body, ctx), shortcut);
  return op.relu ? tf.relu(sum) : sum;
}

/** Channels (or token features) an op reads, from its first weight; ops without one cannot start a cut's rest. */
function inputWidth(op: ArchOp | undefined, p: ParamStore): number {
  switch (op?.op) {
    case 'convBn':
      return p.get(`${op.conv}.weight`).shape[2]!; // HWIO
    case 'layerNorm':
      return p.get(`${op.name}.weight`).shape[0]!;
    case 'attention':
      return p.get(`${op.prefix}.qkv.weight`).shape[0]!; // [in, out]
    case 'mlp':
      return p.get(`${op.prefix}.fc1.weight`).shape[0]!;
    default:
      throw new Error(`a cut inside a residual cannot resume at ${op ? `a ${op.op} op` : 'the end of its body'}: its input width is not known`);
  }
}

function patchEmbed(op: PatchEmbedOp, x: tf.Tensor4D, p: ParamStore): tf.Tensor {
  const patches = conv2d(x, p.get(`${op.conv}.weight`), op.patch, 0, p.get(`${op.conv}.bias`));
  const n = x.shape[0];
  const tokens = tf.reshape(patches, [n, op.grid * op.grid, op.dim]);
  const cls = tf.tile(p.get(op.clsToken), [n, 1, 1]);
  return tf.add(tf.concat([cls, tokens], 1), p.get(op.posEmbed));
}

/**
 * q, k and v are sliced apart before the heads are split so that LoRA can add a delta to exactly
 * one of them through `projectionDelta`.
 */
function attention(op: AttentionOp, h: tf.Tensor, ctx: EagerContext): tf.Tensor {
  const { dim: d, heads } = op;
  const p = ctx.params;
  const [n, t] = h.shape;
  const qkv = linear(h, p.get(`${op.prefix}.qkv.weight`), p.get(`${op.prefix}.qkv.bias`));
  const [q, k, v] = (['q', 'k', 'v'] as const).map((which, j) => {
    const part = tf.slice(qkv, [0, 0, j * d], [n, t, d]);
    const delta = ctx.opts.projectionDelta?.(op.block, which, h);
    const full = delta ? tf.add(part, delta) : part;
    return tf.transpose(tf.reshape(full, [n, t, heads, d / heads]), [0, 2, 1, 3]);
  });
  const scale = 1 / Math.sqrt(d / heads);
  const attn = tf.softmax(tf.matMul(tf.mul(q, scale), k, false, true));
  const out = tf.reshape(tf.transpose(tf.matMul(attn, v), [0, 2, 1, 3]), [n, t, d]);
  return linear(out, p.get(`${op.prefix}.proj.weight`), p.get(`${op.prefix}.proj.bias`));
}

/** Features → pre-logits embedding [N, D]. */
export function poolFeatures(kind: ArchGraph['head']['pool'], features: tf.Tensor): tf.Tensor2D {
  if (kind === 'avg') return tf.mean(features, [1, 2]) as tf.Tensor2D;
  const [n, , d] = features.shape;
  return tf.reshape(tf.slice(features, [0, 0, 0], [n, 1, d]), [n, d]);
}
