/**
 * A backbone's computation as data: per layer group, the list of ops it runs, named after the
 * parameters they read (timm names). One description per family (resnet/graph.ts, vit/graph.ts);
 * three interpreters give it meaning: the TF.js eager executor the model trains with
 * (run-graph.ts: per-group forward, training-mode BatchNorm, the adapter and LoRA hooks), the ONNX
 * emitter (export/onnx/emit-graph.ts) and the TF GraphDef emitter (export/tfjs/emit-graph.ts),
 * which fold BatchNorm and write adapters as ops.
 */

/** Conv (no bias) → BatchNorm → optional ReLU; PyTorch's symmetric zero padding `pad`. */
export interface ConvBnOp {
  op: 'convBn';
  conv: string;
  bn: string;
  stride: number;
  pad: number;
  relu: boolean;
}

/** PyTorch MaxPool2d after a ReLU (zero padding then equals PyTorch's -inf padding). */
export interface MaxPoolOp {
  op: 'maxPool';
  size: number;
  stride: number;
  pad: number;
}

/** body(x) + shortcut(x) (an empty shortcut is the identity), then a ReLU when `relu`. */
export interface ResidualOp {
  op: 'residual';
  body: readonly ArchOp[];
  shortcut: readonly ArchOp[];
  relu: boolean;
}

export type ArchOp = ConvBnOp | MaxPoolOp | ResidualOp;

export interface GroupGraph {
  /** The layer group's name, as in the layout's groups. */
  name: string;
  ops: readonly ArchOp[];
  /**
   * Whether the group's output is an adapter insertion point: the afterGroup hook in training,
   * bottleneck adapter ops in the exports.
   */
  adapter: boolean;
}

export interface ArchGraph {
  /** Every group but the head, input to output. */
  groups: readonly GroupGraph[];
  /**
   * The head: how the last feature map is pooled (global average of a map, or the class token),
   * then the classifier `classifier` when the model has classes.
   */
  head: { pool: 'avg' | 'token'; classifier: string };
}
