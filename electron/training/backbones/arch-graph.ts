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

/**
 * A patch convolution (kernel = stride = `patch`, with bias) cut into grid² tokens of `dim`, the
 * class token prepended, the position embedding added: image [N, H, W, 3] → tokens [N, T, D].
 */
export interface PatchEmbedOp {
  op: 'patchEmbed';
  conv: string;
  patch: number;
  grid: number;
  dim: number;
  clsToken: string;
  posEmbed: string;
}

/** LayerNorm over the last axis. */
export interface LayerNormOp {
  op: 'layerNorm';
  name: string;
  eps: number;
}

/**
 * timm's multi-head self-attention: fused `${prefix}.qkv` (output columns q; k; v, heads
 * contiguous in each), softmax(q·kᵀ/√(dim/heads))·v, then `${prefix}.proj`. `block` is the
 * index LoRA's projectionDelta hook is called with.
 */
export interface AttentionOp {
  op: 'attention';
  prefix: string;
  block: number;
  dim: number;
  heads: number;
}

/** `${prefix}.fc1` → exact (erf) GELU → `${prefix}.fc2`. */
export interface MlpOp {
  op: 'mlp';
  prefix: string;
}

export type ArchOp = ConvBnOp | MaxPoolOp | ResidualOp | PatchEmbedOp | LayerNormOp | AttentionOp | MlpOp;

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
  /**
   * Tokens per image when the groups output token sequences [N, T, D] (static: the GraphDef's
   * reshapes need it); absent when they output feature maps.
   */
  tokens?: number;
}

/**
 * A point where a forward pass can stop and resume: before op `op` of group `group` (op 0: the
 * group's input; group = groups.length: the head's input), or, with `body`, inside that op (a
 * residual) before op `body` of its body. There the state is two tensors, the body's output so far
 * and the shortcut's output, concatenated on the last axis (channels, or token features). The
 * frozen-feature cache and the ONNX feature pass cut here, so no second forward is written by hand.
 */
export interface Cut {
  group: number;
  op: number;
  body?: number;
}

/** The parameters (and BatchNorm buffers) an op reads, by the naming the interpreters share. */
export function opParams(op: ArchOp): string[] {
  const affine = (name: string) => [`${name}.weight`, `${name}.bias`];
  switch (op.op) {
    case 'convBn':
      return [`${op.conv}.weight`, ...affine(op.bn), `${op.bn}.running_mean`, `${op.bn}.running_var`];
    case 'maxPool':
      return [];
    case 'residual':
      return [...op.body, ...op.shortcut].flatMap(opParams);
    case 'patchEmbed':
      return [...affine(op.conv), op.clsToken, op.posEmbed];
    case 'layerNorm':
      return affine(op.name);
    case 'attention':
      return [...affine(`${op.prefix}.qkv`), ...affine(`${op.prefix}.proj`)];
    case 'mlp':
      return [...affine(`${op.prefix}.fc1`), ...affine(`${op.prefix}.fc2`)];
  }
}

/**
 * The latest cut in group `group` before the first op that reads one of `trained`: what comes
 * before it is frozen, so it can be cached. Inside a residual whose shortcut is frozen the cut goes
 * before the body's first trained op (ResNet `top`: before the block's last convolution, with the
 * block's input carried through the shortcut); otherwise before the whole op.
 */
export function cutBefore(graph: ArchGraph, group: number, trained: ReadonlySet<string>): Cut {
  const reads = (op: ArchOp) => opParams(op).some((p) => trained.has(p));
  const ops = graph.groups[group]?.ops ?? [];
  const first = ops.findIndex(reads);
  const op = ops[first];
  if (op?.op !== 'residual' || op.shortcut.some(reads)) return { group, op: Math.max(0, first) };
  const body = op.body.findIndex(reads);
  return body > 0 ? { group, op: first, body } : { group, op: first };
}

/** The image input: the cut before everything. */
export const INPUT_CUT: Cut = { group: 0, op: 0 };

/** Whether nothing comes before `cut` (nothing to cache). */
export function isInputCut(cut: Cut): boolean {
  return cut.group === 0 && cut.op === 0 && cut.body === undefined;
}

/** `4` (group boundary), `4.1` (before op 1), `4.1.1` (inside op 1, before body op 1). */
export function cutName({ group, op, body }: Cut): string {
  return body !== undefined ? `${group}.${op}.${body}` : op ? `${group}.${op}` : `${group}`;
}
