import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { filterGradFromForward, inputGradFromForward } from './conv-reference.ts';
import { buildResNet, buildViT, seededTensor, trainingGradients, type ReferenceNet } from './reference-nets.ts';
import { activateWasm } from './wasm-backend.ts';
import {
  pickInputGrad, registerWasmTrainingKernels, registeredWasmTrainingKernels, setFilterGradFormulation, setInputGradFormulation, unregisterWasmTrainingKernels,
  WASM_TRAINING_KERNELS,
} from './wasm-kernels.ts';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Shape4 = [number, number, number, number];

interface Output {
  values: Float32Array;
  shape: number[];
}

/** Runs `f` on a backend and reads its result back (inputs are rebuilt from seeds on each backend). */
async function on(backend: 'cpu' | 'wasm', f: () => tf.Tensor): Promise<Output> {
  if (backend === 'wasm') await activateWasm();
  else await tf.setBackend('cpu');
  const t = f();
  const out = { values: (await t.data()) as Float32Array, shape: t.shape };
  t.dispose();
  return out;
}

/** max |a - b| / max |a|: the error relative to the cpu reference's scale. */
function relativeError(ref: Float32Array, got: Float32Array): number {
  let diff = 0;
  let scale = 1e-12;
  for (let i = 0; i < ref.length; i++) {
    diff = Math.max(diff, Math.abs(ref[i] - got[i]));
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return diff / scale;
}

/** The wasm result of `f` against `reference` (default: `f` itself) computed on the cpu backend. */
async function expectParity(f: () => tf.Tensor, reference: () => tf.Tensor = f): Promise<void> {
  const ref = await on('cpu', reference);
  const got = await on('wasm', f);
  expect(got.shape).toEqual(ref.shape);
  expect(ref.values.some((v) => v !== 0)).toBe(true);
  expect(relativeError(ref.values, got.values)).toBeLessThan(1e-4);
}

function outShape(x: Shape4, filter: Shape4, strides: number | [number, number], dilations: number | [number, number], pad: Pad, depthwise: boolean): Shape4 {
  return tf.backend_util.computeConv2DInfo(x, filter, strides, dilations, pad, undefined, depthwise).outShape;
}

interface ConvCase {
  x: Shape4;
  filter: Shape4;
  strides: number | [number, number];
  pad: Pad;
}

const explicitPad: tf.backend_util.ExplicitPadding = [[0, 0], [1, 2], [2, 0], [0, 0]];
const CONV_CASES: ConvCase[] = [
  { x: [2, 9, 11, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [2, 9, 11, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'same' },
  { x: [2, 9, 11, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'valid' },
  { x: [2, 9, 11, 3], filter: [3, 3, 3, 4], strides: [2, 1], pad: explicitPad },
  { x: [3, 10, 10, 2], filter: [3, 3, 2, 5], strides: 2, pad: 1 },
  { x: [2, 15, 13, 3], filter: [7, 7, 3, 4], strides: 2, pad: [[0, 0], [3, 3], [3, 3], [0, 0]] },
  { x: [2, 8, 7, 5], filter: [1, 1, 5, 3], strides: 2, pad: 'valid' },
  { x: [2, 8, 7, 5], filter: [2, 3, 5, 3], strides: 1, pad: 'valid' },
];

function caseName(c: ConvCase): string {
  return `x ${c.x} filter ${c.filter} stride ${c.strides} pad ${JSON.stringify(c.pad)}`;
}

beforeAll(async () => {
  await activateWasm();
});

describe('Conv2DBackpropFilter on wasm', () => {
  for (const formulation of ['conv', 'im2col'] as const) {
    it.each(CONV_CASES.map((c) => [caseName(c), c] as const))(`${formulation}: %s`, async (_, c) => {
      setFilterGradFormulation(formulation);
      const dyShape = outShape(c.x, c.filter, c.strides, 1, c.pad, false);
      await expectParity(() => tf.engine().runKernel('Conv2DBackpropFilter',
        { x: seededTensor(1, c.x), dy: seededTensor(2, dyShape) },
        { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter } as unknown as tf.NamedAttrMap) as tf.Tensor);
      setFilterGradFormulation('conv');
    });
  }
});

describe('Conv2DBackpropInput on wasm (XNNPACK: transposed convolution, or GEMM + col2im)', () => {
  const tiny: ConvCase[] = [
    { x: [1, 4, 4, 3], filter: [3, 3, 3, 5], strides: 1, pad: 'same' },
    { x: [2, 5, 3, 4], filter: [3, 3, 4, 2], strides: 2, pad: 'valid' },
    { x: [2, 2, 2, 8], filter: [3, 3, 8, 16], strides: 1, pad: 'same' },
  ];
  for (const formulation of ['auto', 'conv', 'matmul'] as const) {
    it.each([...CONV_CASES, ...tiny].map((c) => [caseName(c), c] as const))(`${formulation}: %s`, async (_, c) => {
      setInputGradFormulation(formulation);
      const dyShape = outShape(c.x, c.filter, c.strides, 1, c.pad, false);
      await expectParity(() => tf.engine().runKernel('Conv2DBackpropInput',
        { dy: seededTensor(2, dyShape), filter: seededTensor(3, c.filter) },
        { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x } as unknown as tf.NamedAttrMap) as tf.Tensor);
      setInputGradFormulation('auto');
    });
  }

  it('auto takes the GEMM where dy has fewer positions than output channels', () => {
    expect(pickInputGrad(8 * 2 * 2, 512)).toBe('matmul');
    expect(pickInputGrad(8 * 4 * 4, 256)).toBe('matmul');
    expect(pickInputGrad(8 * 8 * 8, 128)).toBe('conv');
    expect(pickInputGrad(8 * 16 * 16, 64)).toBe('conv');
  });
});

interface DepthwiseCase {
  x: Shape4;
  multiplier: number;
  kernel: number;
  strides: number;
  dilations: number;
  pad: Pad;
}

const DEPTHWISE_CASES: DepthwiseCase[] = [
  { x: [2, 9, 11, 3], multiplier: 1, kernel: 3, strides: 1, dilations: 1, pad: 'same' },
  { x: [2, 9, 11, 3], multiplier: 1, kernel: 3, strides: 2, dilations: 1, pad: 'same' },
  { x: [2, 9, 11, 3], multiplier: 2, kernel: 3, strides: 2, dilations: 1, pad: 'valid' },
  { x: [2, 9, 11, 3], multiplier: 1, kernel: 3, strides: 1, dilations: 2, pad: 'same' },
  { x: [2, 10, 9, 2], multiplier: 3, kernel: 3, strides: 1, dilations: 2, pad: 'valid' },
  { x: [3, 9, 11, 4], multiplier: 1, kernel: 5, strides: 2, dilations: 1, pad: explicitPad },
];

describe('depthwise gradients on wasm', () => {
  const cases = DEPTHWISE_CASES.map((c) => [`x ${c.x} m ${c.multiplier} k ${c.kernel} s ${c.strides} d ${c.dilations} pad ${JSON.stringify(c.pad)}`, c] as const);

  // TF.js's cpu depthwise backprop kernels ignore dilations: dilated cases are checked against
  // gradients derived from the (dilation-aware) forward op instead.
  const forward = (c: DepthwiseCase) => (x: tf.Tensor4D, f: tf.Tensor4D) => tf.depthwiseConv2d(x, f, c.strides, c.pad, 'NHWC', c.dilations);

  it.each(cases)('DepthwiseConv2dNativeBackpropFilter: %s', async (_, c) => {
    const filter: Shape4 = [c.kernel, c.kernel, c.x[3], c.multiplier];
    const dyShape = outShape(c.x, filter, c.strides, c.dilations, c.pad, true);
    const inputs = () => ({ x: seededTensor(4, c.x) as tf.Tensor4D, dy: seededTensor(5, dyShape) as tf.Tensor4D });
    const kernel = () => tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', inputs(),
      { strides: c.strides, dilations: c.dilations, pad: c.pad, filterShape: filter } as unknown as tf.NamedAttrMap) as tf.Tensor;
    const { x, dy } = inputs();
    await expectParity(kernel, c.dilations === 1 ? kernel : () => filterGradFromForward(forward(c), x, dy, filter));
  });

  it.each(cases)('DepthwiseConv2dNativeBackpropInput: %s', async (_, c) => {
    const filter: Shape4 = [c.kernel, c.kernel, c.x[3], c.multiplier];
    const dyShape = outShape(c.x, filter, c.strides, c.dilations, c.pad, true);
    const inputs = () => ({ dy: seededTensor(6, dyShape) as tf.Tensor4D, filter: seededTensor(7, filter) as tf.Tensor4D });
    const kernel = () => tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', inputs(),
      { strides: c.strides, dilations: c.dilations, pad: c.pad, inputShape: c.x } as unknown as tf.NamedAttrMap) as tf.Tensor;
    const { dy, filter: w } = inputs();
    await expectParity(kernel, c.dilations === 1 ? kernel : () => inputGradFromForward(forward(c), w, dy, c.x));
  });
});

describe('dilated convolution gradients on wasm (TF.js gradients refuse dilation > 1; kernels accept it)', () => {
  const c = { x: [2, 9, 8, 3] as Shape4, filter: [3, 3, 3, 2] as Shape4, strides: 1, pad: 'same' as Pad, dilations: 2 };
  const forward = (x: tf.Tensor4D, f: tf.Tensor4D) => tf.conv2d(x, f, c.strides, c.pad, 'NHWC', c.dilations);
  const dyShape = outShape(c.x, c.filter, c.strides, c.dilations, c.pad, false);
  const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dilations: c.dilations } as unknown as tf.NamedAttrMap;

  it('the forward-derived reference agrees with the cpu kernel where both apply (dilation 1)', async () => {
    await tf.setBackend('cpu');
    const x = seededTensor(1, c.x) as tf.Tensor4D;
    const dy = seededTensor(2, c.x.slice(0, 3).concat([2])) as tf.Tensor4D;
    const fwd = (a: tf.Tensor4D, f: tf.Tensor4D) => tf.conv2d(a, f, 1, 'same');
    const ref = await filterGradFromForward(fwd, x, dy, c.filter).data();
    const cpu = await (tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: c.filter }) as tf.Tensor).data();
    expect(relativeError(cpu as Float32Array, ref as Float32Array)).toBeLessThan(1e-5);
  });

  it('Conv2DBackpropFilter with dilation 2', async () => {
    const x = () => seededTensor(1, c.x) as tf.Tensor4D;
    const dy = () => seededTensor(2, dyShape) as tf.Tensor4D;
    await expectParity(
      () => tf.engine().runKernel('Conv2DBackpropFilter', { x: x(), dy: dy() }, { ...attrs, filterShape: c.filter }) as tf.Tensor,
      () => filterGradFromForward(forward, x(), dy(), c.filter));
  });

  it.each(['conv', 'matmul'] as const)('Conv2DBackpropInput with dilation 2 (%s)', async (formulation) => {
    const w = () => seededTensor(3, c.filter) as tf.Tensor4D;
    const dy = () => seededTensor(2, dyShape) as tf.Tensor4D;
    setInputGradFormulation(formulation);
    await expectParity(
      () => tf.engine().runKernel('Conv2DBackpropInput', { dy: dy(), filter: w() }, { ...attrs, inputShape: c.x }) as tf.Tensor,
      () => inputGradFromForward(forward, w(), dy(), c.x));
    setInputGradFormulation('auto');
  });
});

describe('BatchMatMul on wasm with transposed operands (explicit transpose, then XNNPACK)', () => {
  const cases: [string, number[], number[], boolean, boolean][] = [
    ['2-d, a transposed', [7, 5], [7, 3], true, false],
    ['2-d, b transposed', [5, 7], [3, 7], false, true],
    ['2-d, both transposed', [7, 5], [3, 7], true, true],
    ['3-d batch 1, a transposed', [1, 9, 4], [1, 9, 6], true, false],
    ['3-d batch 3 (left to wasm), b transposed', [3, 4, 9], [3, 6, 9], false, true],
    ['2-d plain', [5, 7], [7, 3], false, false],
  ];
  it.each(cases)('%s', async (_, sa, sb, ta, tb) => {
    await expectParity(() => tf.matMul(seededTensor(11, sa), seededTensor(12, sb), ta, tb));
  });
});

describe('UnsortedSegmentSum on wasm', () => {
  it('matches cpu on a 3-D input with repeated and out-of-range ids', async () => {
    await expectParity(() => tf.unsortedSegmentSum(seededTensor(8, [6, 2, 3]), tf.tensor1d([0, 3, 3, -1, 5, 1], 'int32'), 4));
  });

  it('sums rows per segment and drops ids outside [0, numSegments)', async () => {
    await activateWasm();
    const x = tf.tensor2d([[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]]);
    const r = tf.unsortedSegmentSum(x, tf.tensor1d([2, 0, 2, -1, 3], 'int32'), 3);
    expect(await r.array()).toEqual([[3, 4], [0, 0], [6, 8]]);
  });

  it('keeps int32 inputs int32', async () => {
    await activateWasm();
    const r = tf.unsortedSegmentSum(tf.tensor2d([[1, 2], [3, 4], [5, 6]], [3, 2], 'int32'), tf.tensor1d([1, 1, 0], 'int32'), 2);
    expect(r.dtype).toBe('int32');
    expect(await r.array()).toEqual([[5, 6], [4, 6]]);
  });
});

describe('a whole training step on wasm vs cpu', () => {
  async function gradsOn(backend: 'cpu' | 'wasm', build: () => ReferenceNet, xShape: Shape4): Promise<Record<string, Float32Array>> {
    if (backend === 'wasm') await activateWasm();
    else await tf.setBackend('cpu');
    const net = build();
    const x = seededTensor(9, xShape) as tf.Tensor4D;
    const { loss, grads } = trainingGradients(net, x, [0, 2]);
    const out: Record<string, Float32Array> = { loss: (await loss.data()) as Float32Array };
    for (const [name, g] of Object.entries(grads)) out[name] = (await g.data()) as Float32Array;
    tf.dispose([loss, x, ...Object.values(grads)]);
    net.dispose();
    return out;
  }

  const nets = [
    ['ResNet-like', () => buildResNet({ widths: [4, 8], blocks: [1, 1], stemKernel: 7, numClasses: 3 }), [2, 17, 17, 3]],
    ['ViT-like', () => buildViT({ imageSize: 16, patch: 4, dim: 8, depth: 2, heads: 2, numClasses: 3 }), [2, 16, 16, 3]],
  ] as const;

  it.each(nets)('%s: every parameter gradient within 1e-4 of cpu', async (_, build, xShape) => {
    const ref = await gradsOn('cpu', build, [...xShape]);
    const got = await gradsOn('wasm', build, [...xShape]);
    expect(Object.keys(got).sort()).toEqual(Object.keys(ref).sort());
    const errors = Object.fromEntries(Object.keys(ref).map((k) => [k, relativeError(ref[k], got[k])]));
    const worst = Math.max(...Object.values(errors));
    expect(worst, JSON.stringify(errors)).toBeLessThan(1e-4);
    expect(Object.keys(ref).length).toBeGreaterThan(10);
  });

  it('ResNet-like with every input gradient as GEMM + col2im: within 1e-4 of cpu', async () => {
    const [, build, xShape] = nets[0];
    const ref = await gradsOn('cpu', build, [...xShape]);
    setInputGradFormulation('matmul');
    const got = await gradsOn('wasm', build, [...xShape]);
    setInputGradFormulation('auto');
    const worst = Math.max(...Object.keys(ref).map((k) => relativeError(ref[k], got[k])));
    expect(worst).toBeLessThan(1e-4);
    expect(worst).toBeGreaterThan(0);
  });
});

describe('memory', () => {
  it('composed kernels free their intermediates: tensors and wasm buffers stay flat across steps', async () => {
    await activateWasm();
    const net = buildResNet({ widths: [4, 8], blocks: [1, 1], stemKernel: 3, numClasses: 3 });
    const x = seededTensor(9, [4, 12, 12, 3]) as tf.Tensor4D;
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const counts: [number, number][] = [];
    for (let i = 0; i < 3; i++) {
      const { loss, grads } = trainingGradients(net, x, [0, 1, 2, 0]);
      tf.dispose([loss, ...Object.values(grads)]);
      counts.push([tf.memory().numTensors, backend.numDataIds()]);
    }
    expect(counts[1]).toEqual(counts[0]);
    expect(counts[2]).toEqual(counts[0]);
    // Also straight through the kernels: 10 filter and input gradients leave nothing behind.
    const before = backend.numDataIds();
    for (let i = 0; i < 10; i++) {
      const w = net.params.get('layer2.0.conv1')!.slice([0, 0, 0, 0], [3, 3, 3, 8]);
      tf.dispose(tf.grads((xi: tf.Tensor, wi: tf.Tensor) => tf.sum(tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, 2, 'same')))([x, w]));
      w.dispose();
    }
    expect(backend.numDataIds()).toBe(before);
    net.dispose();
    x.dispose();
  });
});

describe('registration', () => {
  it('is idempotent and provides the kernels the tfjs wasm backend lacks', async () => {
    await activateWasm();
    expect(registerWasmTrainingKernels()).toEqual([]);
    expect(registerWasmTrainingKernels({ replaceSlowKernels: true })).toEqual([]);
    expect(registeredWasmTrainingKernels()).toEqual([
      'BatchMatMul', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropFilter',
      'DepthwiseConv2dNativeBackpropInput', 'UnsortedSegmentSum',
    ]);
    for (const name of Object.keys(WASM_TRAINING_KERNELS)) expect(tf.getKernel(name, 'wasm')).toBeDefined();
  });

  it('without them a ResNet training step fails on wasm with the missing kernel named', async () => {
    await activateWasm();
    unregisterWasmTrainingKernels();
    const net = buildResNet({ widths: [4], blocks: [1], stemKernel: 3, numClasses: 2 });
    const x = seededTensor(1, [1, 8, 8, 3]) as tf.Tensor4D;
    expect(() => trainingGradients(net, x, [1])).toThrow(/Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'/);
    net.dispose();
    x.dispose();
    expect(registerWasmTrainingKernels({ replaceSlowKernels: true })).toHaveLength(6);
  });
});
