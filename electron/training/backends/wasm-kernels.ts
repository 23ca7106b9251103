import * as tf from '@tensorflow/tfjs';
import {
  convGeometry, depthwiseFilterGrad, depthwiseInputGrad, filterGradByConv, filterGradByIm2col, flipFilter, inputGradByConv, inputGradByMatMul,
} from './conv-grads.ts';
import { composeKernel, type KernelRunner } from './kernel-runner.ts';

/**
 * The kernels the wasm backend of TF.js 4.22 lacks for training ResNets and ViTs, composed from
 * kernels it has. Found by running tf.variableGrads on ResNet- and ViT-shaped nets on wasm
 * (reference-nets.ts): Conv2DBackpropFilter and UnsortedSegmentSum (gather's gradient) are hit by
 * those nets; the depthwise gradients are needed by depthwise-conv backbones.
 */

type Info = tf.TensorInfo;
type Inputs = Record<string, Info>;
type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

const BACKEND = 'wasm';

/** How Conv2DBackpropFilter is computed; `conv` measured faster (docs/benchmarks.md). */
export type FilterGradFormulation = 'conv' | 'im2col';
let filterGradFormulation: FilterGradFormulation = 'conv';

/** Lets the benchmark time both formulations of the filter gradient. */
export function setFilterGradFormulation(f: FilterGradFormulation): void {
  filterGradFormulation = f;
}

function compose(args: KernelArgs, body: (k: KernelRunner, inputs: Inputs, attrs: tf.NamedAttrMap) => Info): Info {
  return composeKernel(args.backend as tf.KernelBackend, BACKEND, (k) => body(k, args.inputs as Inputs, args.attrs ?? {}));
}

// TF.js types kernel attributes as a loose NamedAttrMap; each kernel reads the fields that TF.js's
// own kernel of the same name reads (e.g. Conv2DBackpropFilterAttrs), so `any` stays inside here.
type A = any;

function conv2DBackpropFilter(args: KernelArgs): Info {
  return compose(args, (k, { x, dy }, a: A) => {
    if (a.dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter on wasm supports NHWC only (as wasm Conv2D does).');
    const g = convGeometry(x.shape, a.filterShape, a.strides, a.dilations ?? 1, a.pad, a.dimRoundingMode);
    return filterGradFormulation === 'conv' ? filterGradByConv(k, x, dy, g) : filterGradByIm2col(k, x, dy, g);
  });
}

function depthwiseBackpropFilter(args: KernelArgs): Info {
  return compose(args, (k, { x, dy }, a: A) => {
    const g = convGeometry(x.shape, a.filterShape, a.strides, a.dilations, a.pad, a.dimRoundingMode, true);
    return depthwiseFilterGrad(k, x, dy, g, a.filterShape[3]);
  });
}

function depthwiseBackpropInput(args: KernelArgs): Info {
  return compose(args, (k, { dy, filter }, a: A) => {
    const g = convGeometry(a.inputShape, filter.shape, a.strides, a.dilations, a.pad, a.dimRoundingMode, true);
    return depthwiseInputGrad(k, dy, filter, a.inputShape, g);
  });
}

/**
 * How the replacement Conv2DBackpropInput computes dx. `auto` (the default) takes `matmul` where
 * dy has fewer positions (N*Ho*Wo) than the layer has output channels, else `conv`: measured at
 * ResNet-18 shapes (docs/benchmarks.md), the XNNPACK transposed convolution repacks the whole
 * filter on every call, which dominates deep layers with few positions; the GEMM + col2im packs
 * only dy there, and loses to the convolution where positions are many.
 */
export type InputGradFormulation = 'auto' | 'conv' | 'matmul';
let inputGradFormulation: InputGradFormulation = 'auto';

/** Lets the benchmark time each formulation of the input gradient. */
export function setInputGradFormulation(f: InputGradFormulation): void {
  inputGradFormulation = f;
}

/** Which formulation `auto` picks for a dy of `positions` positions and `outChannels` channels. */
export function pickInputGrad(positions: number, outChannels: number): 'conv' | 'matmul' {
  if (inputGradFormulation !== 'auto') return inputGradFormulation;
  return positions < outChannels ? 'matmul' : 'conv';
}

/**
 * Conv2DBackpropInput built on XNNPACK (a GEMM + col2im, or the forward Conv2D on zero-inserted dy
 * with the flipped filter) instead of wasm's scalar loop. Only registered on request: see
 * registerWasmTrainingKernels.
 */
function conv2DBackpropInputFast(args: KernelArgs): Info {
  const a = args.attrs as A;
  return compose(args, (k, { dy, filter }) => {
    const g = convGeometry(a.inputShape, filter.shape, a.strides, a.dilations ?? 1, a.pad, a.dimRoundingMode);
    const [n, ho, wo, cout] = dy.shape;
    if (pickInputGrad(n * ho * wo, cout) === 'matmul') return inputGradByMatMul(k, dy, filter, a.inputShape, g);
    const flipped = k.transpose(flipFilter(k, filter), [0, 1, 3, 2]);
    return inputGradByConv(k, dy, flipped, a.inputShape, g, (x, f) => k.run('Conv2D', { x, filter: f }, {
      strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: g.dilation,
    } as unknown as tf.NamedAttrMap));
  });
}

/** wasm's own kernel `name`, set up for this backend (it was swapped out before wasm initialised). */
function original(name: string, backend: unknown): tf.KernelConfig {
  const config = replaced.get(name);
  if (!config) throw new Error(`wasm's own ${name} kernel was not kept when it was replaced.`);
  const done = setUpFor.get(backend as object) ?? new Set<string>();
  if (!done.has(name)) {
    config.setupFunc?.(backend as never);
    setUpFor.set(backend as object, done.add(name));
  }
  return config;
}

/**
 * BatchMatMul with transposed operands made explicit: wasm sends any product with transposeA or
 * transposeB to a scalar loop, XNNPACK only takes plain un-batched ones. Every linear layer's
 * backward pass asks for xT·dy and dy·WT, so a ViT training step spent ~90% of its time there
 * (docs/benchmarks.md). One Transpose of the operand, then XNNPACK. Batched products are left to
 * wasm's own kernel.
 */
function batchMatMulFast(args: KernelArgs): Info {
  const a = args.attrs as A;
  const { a: x, b: y } = args.inputs as Inputs;
  const own = original('BatchMatMul', args.backend);
  const batch = (t: Info) => tf.util.sizeFromShape(t.shape.slice(0, -2));
  if ((!a.transposeA && !a.transposeB) || batch(x) !== 1 || batch(y) !== 1) return own.kernelFunc(args as never) as Info;
  return compose(args, (k) => {
    const flat = (t: Info, transpose: boolean) => {
      const [r, c] = t.shape.slice(-2);
      const m = k.reshape(t, [r, c]);
      return k.reshape(transpose ? k.transpose(m, [1, 0]) : m, transpose ? [1, c, r] : [1, r, c]);
    };
    const attrs = { transposeA: false, transposeB: false } as unknown as tf.NamedAttrMap;
    const out = own.kernelFunc({ inputs: { a: flat(x, a.transposeA), b: flat(y, a.transposeB) }, backend: args.backend, attrs } as never) as Info;
    const rank = Math.max(x.shape.length, y.shape.length);
    return k.reshape(k.track(out), [...Array(rank - 2).fill(1), out.shape[1], out.shape[2]]);
  });
}

/**
 * out[s, ...] = sum of x[i, ...] over i with segmentIds[i] == s, as onehot(ids)^T x. Ids outside
 * [0, numSegments) contribute nothing, as in TensorFlow.
 */
function unsortedSegmentSum(args: KernelArgs): Info {
  return compose(args, (k, { x, segmentIds }, a: A) => {
    const n = tf.util.sizeFromShape(segmentIds.shape);
    const inner = x.shape.slice(segmentIds.shape.length);
    const width = tf.util.sizeFromShape(inner);
    const ids = k.reshape(segmentIds, [n]);
    // wasm's OneHot writes int32 whatever dtype it is asked for, so cast explicitly.
    const hot = k.run('OneHot', { indices: ids }, { depth: a.numSegments, onValue: 1, offValue: 0, dtype: 'int32' });
    const onehot = k.run('Cast', { x: hot }, { dtype: 'float32' });
    const xf = x.dtype === 'float32' ? x : k.run('Cast', { x }, { dtype: 'float32' });
    const sums = k.run('BatchMatMul', { a: k.reshape(onehot, [1, n, a.numSegments]), b: k.reshape(xf, [1, n, width]) }, {
      transposeA: true, transposeB: false,
    });
    const out = k.reshape(sums, [a.numSegments, ...inner]);
    return x.dtype === 'float32' ? out : k.run('Cast', { x: out }, { dtype: x.dtype });
  });
}

/** The kernels this module adds when the wasm backend lacks them. */
export const WASM_TRAINING_KERNELS: Record<string, (args: KernelArgs) => Info> = {
  Conv2DBackpropFilter: conv2DBackpropFilter,
  DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter,
  DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput,
  UnsortedSegmentSum: unsortedSegmentSum,
};

/** Kernels wasm has but whose composed replacement may be faster (measured by the benchmark). */
export const WASM_FASTER_KERNELS: Record<string, (args: KernelArgs) => Info> = {
  Conv2DBackpropInput: conv2DBackpropInputFast,
  BatchMatMul: batchMatMulFast,
};

const ours = new Set<string>();
const replaced = new Map<string, tf.KernelConfig>();
const setUpFor = new WeakMap<object, Set<string>>();

export interface WasmKernelOptions {
  /** Also replace wasm's own kernels listed in WASM_FASTER_KERNELS. */
  replaceSlowKernels?: boolean;
}

/**
 * Registers the missing training kernels for the wasm backend. Safe to call any number of times:
 * kernels already registered (by an earlier call or by a future TF.js) are left alone. Returns the
 * names registered by this call.
 */
export function registerWasmTrainingKernels(opts: WasmKernelOptions = {}): string[] {
  const added: string[] = [];
  for (const [name, kernelFunc] of Object.entries(WASM_TRAINING_KERNELS)) {
    if (tf.getKernel(name, BACKEND)) continue;
    tf.registerKernel({ kernelName: name, backendName: BACKEND, kernelFunc: kernelFunc as tf.KernelFunc });
    ours.add(name);
    added.push(name);
  }
  if (opts.replaceSlowKernels) {
    for (const [name, kernelFunc] of Object.entries(WASM_FASTER_KERNELS)) {
      if (ours.has(name)) continue;
      const original = tf.getKernel(name, BACKEND);
      if (original) {
        replaced.set(name, original);
        tf.unregisterKernel(name, BACKEND);
      }
      tf.registerKernel({ kernelName: name, backendName: BACKEND, kernelFunc: kernelFunc as tf.KernelFunc });
      ours.add(name);
      added.push(name);
    }
  }
  return added;
}

/** Removes every kernel registered here and restores the ones replaced (tests and benchmarks). */
export function unregisterWasmTrainingKernels(): void {
  for (const name of ours) tf.unregisterKernel(name, BACKEND);
  ours.clear();
  // A replaced kernel may never have been set up (it was swapped out before wasm initialised).
  const backend = tf.findBackend(BACKEND);
  for (const [, config] of replaced) {
    tf.registerKernel(config);
    if (backend && config.setupFunc) config.setupFunc(backend);
  }
  replaced.clear();
}

/** The names of the kernels currently provided by this module. */
export function registeredWasmTrainingKernels(): string[] {
  return [...ours].sort();
}
