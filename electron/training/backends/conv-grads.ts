import * as tf from '@tensorflow/tfjs';
import type { KernelRunner } from './kernel-runner.ts';

type Info = tf.TensorInfo;
type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Pair = [number, number];

/**
 * Convolution gradients built from a backend's forward kernels (Conv2D, DepthwiseConv2dNative,
 * StridedSlice, BatchMatMul ...), so a backend that has fast forward convolutions (wasm: XNNPACK)
 * gets gradients at the same speed. NHWC only, like the wasm backend itself.
 */

export interface ConvGeometry {
  kernel: Pair;
  stride: Pair;
  dilation: Pair;
  /** Zero padding before the first row / column (from TF.js's own conv info). */
  top: number;
  left: number;
  outRows: number;
  outCols: number;
}

export function convGeometry(xShape: number[], filterShape: number[], strides: number | Pair, dilations: number | Pair, pad: Pad, dimRoundingMode?: 'floor' | 'round' | 'ceil', depthwise = false): ConvGeometry {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number],
    strides, dilations, pad, dimRoundingMode, depthwise, 'channelsLast');
  return {
    kernel: [info.filterHeight, info.filterWidth],
    stride: [info.strideHeight, info.strideWidth],
    dilation: [info.dilationHeight, info.dilationWidth],
    top: info.padInfo.top,
    left: info.padInfo.left,
    outRows: info.outHeight,
    outCols: info.outWidth,
  };
}

/** Rows (or columns) of the padded input that a convolution actually reads. */
function span(g: ConvGeometry, axis: 0 | 1): number {
  const out = axis === 0 ? g.outRows : g.outCols;
  return (out - 1) * g.stride[axis] + (g.kernel[axis] - 1) * g.dilation[axis] + 1;
}

/** x padded (or cropped) to exactly the window the convolution reads: rows [-top, span - top). */
function readWindow(k: KernelRunner, x: Info, g: ConvGeometry): Info {
  const [, h, w] = x.shape;
  return k.padOrCrop(x, g.top, span(g, 0) - g.top - h, g.left, span(g, 1) - g.left - w);
}

/**
 * dW as one convolution: the input with batch and channels swapped ([Cin, H, W, N]) convolved with
 * the output gradient as the filter ([Ho, Wo, N, Cout]), dilated by the forward stride. XNNPACK
 * runs it as one GEMM of [Cin*kh*kw, N*Ho*Wo] x [N*Ho*Wo, Cout], without materialising patches.
 */
export function filterGradByConv(k: KernelRunner, x: Info, dy: Info, g: ConvGeometry): Info {
  const xT = k.transpose(readWindow(k, x, g), [3, 1, 2, 0]);
  const dyT = k.transpose(dy, [1, 2, 0, 3]);
  const r = k.run('Conv2D', { x: xT, filter: dyT }, {
    strides: g.dilation, pad: 'valid', dataFormat: 'NHWC', dilations: g.stride, dimRoundingMode: undefined,
  } as unknown as tf.NamedAttrMap);
  return k.transpose(r, [1, 2, 0, 3]);
}

/** The kh*kw strided windows of x a convolution reads, concatenated on channels: [N, Ho, Wo, kh*kw*C]. */
function im2col(k: KernelRunner, x: Info, g: ConvGeometry): Info {
  const padded = readWindow(k, x, g);
  const taps: Info[] = [];
  for (let i = 0; i < g.kernel[0]; i++) {
    for (let j = 0; j < g.kernel[1]; j++) {
      taps.push(k.stridedWindow(padded, i * g.dilation[0], j * g.dilation[1], g.outRows, g.outCols, g.stride));
    }
  }
  return taps.length === 1 ? taps[0] : k.run('Concat', taps, { axis: 3 });
}

/** dW as patches^T x dy (im2col + matMul): the textbook formulation, kept to measure against. */
export function filterGradByIm2col(k: KernelRunner, x: Info, dy: Info, g: ConvGeometry): Info {
  const cols = im2col(k, x, g);
  const [n, ho, wo, kc] = cols.shape;
  const cout = dy.shape[3];
  const a = k.reshape(cols, [1, n * ho * wo, kc]);
  const b = k.reshape(dy, [1, n * ho * wo, cout]);
  const dw = k.run('BatchMatMul', { a, b }, { transposeA: true, transposeB: false });
  return k.reshape(dw, [g.kernel[0], g.kernel[1], x.shape[3], cout]);
}

/**
 * dx of a convolution as a forward convolution: dy with stride-1 zeros inserted, padded so every
 * input position sees the whole kernel, convolved with the filter flipped in space. `conv` runs
 * the forward kernel (a full Conv2D, or a depthwise one) on the prepared input and flipped filter.
 */
export function inputGradByConv(k: KernelRunner, dy: Info, flipped: Info, inputShape: number[], g: ConvGeometry, conv: (x: Info, f: Info) => Info): Info {
  const [, h, w] = inputShape;
  const spread = k.zeroInsert(dy, g.stride);
  const effH = (g.kernel[0] - 1) * g.dilation[0];
  const effW = (g.kernel[1] - 1) * g.dilation[1];
  const top = effH - g.top;
  const left = effW - g.left;
  const ready = k.padOrCrop(spread, top, h + effH - top - spread.shape[1], left, w + effW - left - spread.shape[2]);
  return conv(ready, flipped);
}

/**
 * The filter reversed along H and W (the transposed convolution's filter). Copied tap by tap in JS:
 * wasm's Reverse kernel took 413 ms on a 3x3x512x512 filter (a Transpose of the same filter: 35 ms).
 */
export function flipFilter(k: KernelRunner, filter: Info): Info {
  const values = k.backend.readSync(filter.dataId) as Float32Array;
  const taps = filter.shape[0] * filter.shape[1];
  const block = values.length / taps;
  const out = new Float32Array(values.length);
  for (let t = 0; t < taps; t++) out.set(values.subarray((taps - 1 - t) * block, (taps - t) * block), t * block);
  return k.fromValues(out, filter.shape);
}

/**
 * dx as W x dyT followed by col2im: the filter in its own layout ([kh*kw*Cin, Cout]) times dy
 * transposed ([Cout, N*Ho*Wo]) gives every tap's contribution; each is spread by the stride,
 * shifted to its offset and summed. The GEMM packs only dyT, never the filter, and nothing is
 * flipped: where positions are few (deep layers, small images) this avoids the per-weight packing
 * that makes the XNNPACK transposed convolution slow there.
 */
export function inputGradByMatMul(k: KernelRunner, dy: Info, filter: Info, inputShape: number[], g: ConvGeometry): Info {
  const [kh, kw, cin, cout] = filter.shape;
  const [n, ho, wo] = dy.shape;
  const [, h, w] = inputShape;
  const m = n * ho * wo;
  const dyT = k.reshape(k.transpose(k.reshape(dy, [m, cout]), [1, 0]), [1, cout, m]);
  const cols = k.run('BatchMatMul', { a: k.reshape(filter, [1, kh * kw * cin, cout]), b: dyT }, { transposeA: false, transposeB: false });
  const taps = k.reshape(k.transpose(k.reshape(cols, [kh * kw, cin, m]), [0, 2, 1]), [kh * kw, n, ho, wo, cin]);
  const parts: Info[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const tap = k.reshape(k.slice(taps, [i * kw + j, 0, 0, 0, 0], [1, n, ho, wo, cin]), [n, ho, wo, cin]);
      const spread = k.zeroInsert(tap, g.stride);
      const top = i * g.dilation[0] - g.top;
      const left = j * g.dilation[1] - g.left;
      parts.push(k.padOrCrop(spread, top, h - top - spread.shape[1], left, w - left - spread.shape[2]));
    }
  }
  return parts.length === 1 ? parts[0] : k.run('AddN', parts);
}

/**
 * dW of a depthwise convolution, one kernel tap at a time: the strided window of x the tap reads,
 * times dy, summed over batch and space. Depthwise filters are small, so this is cheap.
 */
export function depthwiseFilterGrad(k: KernelRunner, x: Info, dy: Info, g: ConvGeometry, multiplier: number): Info {
  const padded = readWindow(k, x, g);
  const [n, ho, wo] = dy.shape;
  const c = x.shape[3];
  const dy5 = k.reshape(dy, [n, ho, wo, c, multiplier]);
  const taps: Info[] = [];
  for (let i = 0; i < g.kernel[0]; i++) {
    for (let j = 0; j < g.kernel[1]; j++) {
      const win = k.stridedWindow(padded, i * g.dilation[0], j * g.dilation[1], ho, wo, g.stride);
      const prod = k.run('Multiply', { a: k.reshape(win, [n, ho, wo, c, 1]), b: dy5 });
      taps.push(k.run('Sum', { x: prod }, { axis: [0, 1, 2], keepDims: false }));
    }
  }
  const stacked = k.run('Pack', taps, { axis: 0 });
  return k.reshape(stacked, [g.kernel[0], g.kernel[1], c, multiplier]);
}

/**
 * dx of a depthwise convolution: for each channel multiplier q, a depthwise transposed convolution
 * of dy's q-th channels with filter[..., q]; the results are summed.
 */
export function depthwiseInputGrad(k: KernelRunner, dy: Info, filter: Info, inputShape: number[], g: ConvGeometry): Info {
  const [kh, kw, c, m] = filter.shape;
  const [n, ho, wo] = dy.shape;
  const flipped = flipFilter(k, filter);
  const dy5 = m === 1 ? null : k.reshape(dy, [n, ho, wo, c, m]);
  const parts: Info[] = [];
  for (let q = 0; q < m; q++) {
    const dyQ = dy5 ? k.reshape(k.slice(dy5, [0, 0, 0, 0, q], [n, ho, wo, c, 1]), [n, ho, wo, c]) : dy;
    const fQ = m === 1 ? flipped : k.reshape(k.slice(flipped, [0, 0, 0, q], [kh, kw, c, 1]), [kh, kw, c, 1]);
    parts.push(inputGradByConv(k, dyQ, fQ, inputShape, g, (x, f) => k.run('DepthwiseConv2dNative', { x, filter: f }, {
      strides: [1, 1], pad: 'valid', dilations: g.dilation, dimRoundingMode: undefined,
    } as unknown as tf.NamedAttrMap)));
  }
  return parts.length === 1 ? parts[0] : k.run('AddN', parts);
}
