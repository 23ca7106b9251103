import type * as tf from '@tensorflow/tfjs';
import type { ArchGraph, Cut } from './arch-graph.ts';
import type { BackboneFamily, ParamShapes } from './layout.ts';

export type { BackboneFamily };

/**
 * The one surface every backbone offers (timm's idea), so that freezing, gradual unfreezing,
 * layer-wise learning rates, adapters, LoRA, Grad-CAM and export are generic code.
 *
 * Tensors are NHWC float32 inside the model. Variable names are timm's state-dict names
 * (e.g. `layer1.0.conv1.weight`, `blocks.3.attn.qkv.weight`), with TF.js layouts.
 */

export interface ForwardOptions {
  /**
   * Training mode per group: BatchNorm uses batch statistics and updates its running statistics
   * only in groups where this is true. `false` (default) is eval mode everywhere.
   */
  training?: boolean | ((group: string) => boolean);
  /** Called on each stage (ResNet) / block (ViT) output; bottleneck adapters plug in here. */
  afterGroup?: (group: string, x: tf.Tensor) => tf.Tensor;
  /** ViT only: a tensor added to the q, k or v projection of block `block` (LoRA plugs in here). */
  projectionDelta?: (block: number, which: 'q' | 'k' | 'v', input: tf.Tensor) => tf.Tensor | null;
}

export interface Backbone extends ParamShapes {
  /** Width of the pre-logits embedding. */
  readonly featureDim: number;
  readonly numClasses: number;
  /**
   * Square input size the model is built for, trained and exported at; ViT's pos_embed matches it.
   * ResNets run on any H x W too (global average pooling makes the head independent of it, as in
   * timm); ViTs only on imageSize x imageSize. `checkInputSize` says which.
   */
  readonly imageSize: number;
  /** Throws a validation error naming the accepted shape when an [N, height, width, 3] image batch cannot run. */
  checkInputSize(height: number, width: number): void;
  /** All parameters and buffers (BatchNorm running stats) by timm name. */
  readonly variables: ReadonlyMap<string, tf.Variable>;
  /** Parameters that get no weight decay: norms, biases, pos_embed, cls_token. */
  noWeightDecay(variableName: string): boolean;
  /**
   * Run groups [from, to) of the network. `runGroups(x, 0, groups.length)` is the whole model;
   * splitting lets a frozen prefix be computed once and cached.
   */
  runGroups(x: tf.Tensor, from: number, to: number, opts?: ForwardOptions): tf.Tensor;
  /**
   * The op-level description the model runs, and the forward between two cuts of it
   * (`runGroups(x, a, b)` is `runBetween(x, { group: a, op: 0 }, { group: b, op: 0 })`): a frozen
   * prefix may end inside a group.
   */
  readonly graph: ArchGraph;
  runBetween(x: tf.Tensor, from: Cut, to: Cut, opts?: ForwardOptions): tf.Tensor;
  /** Image [N, H, W, 3] → final feature map (ResNet: [N, h, w, C]; ViT: tokens [N, T, D] after the final norm). */
  forwardFeatures(x: tf.Tensor4D, opts?: ForwardOptions): tf.Tensor;
  /** Features → logits [N, classes], or the pooled pre-logits embedding [N, D] with `preLogits`. */
  forwardHead(features: tf.Tensor, opts?: { preLogits?: boolean }): tf.Tensor2D;
  /** Image → logits. */
  forward(x: tf.Tensor4D, opts?: ForwardOptions): tf.Tensor2D;
  /** Replace the classifier with a freshly initialised one for `numClasses` classes. */
  resetClassifier(numClasses: number): void;
  /**
   * Adapt a checkpoint tensor whose shape differs from our variable's but is convertible (ViT:
   * pos_embed from another input size, resampled bicubically as timm does). Returns a new tensor
   * the caller owns, or null when the shape is simply wrong. Absent where nothing is adaptable.
   */
  adaptWeight?(variableName: string, value: tf.Tensor): tf.Tensor | null;
  dispose(): void;
}
