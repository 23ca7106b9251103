import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { gelu, layerNorm } from '../backbones/ops.ts';
import { selectBackend } from './ladder.ts';
import { buildResNet, buildViT, seededTensor, trainingGradients, type ReferenceNet } from './reference-nets.ts';
import { webgpuTestAdapter } from './testing/webgpu-available.ts';

/**
 * Every kernel the ResNet and ViT training steps use, on TF.js's webgpu backend (SwiftShader in CI),
 * against the cpu backend: forward values and the gradients of every input. Inputs are rebuilt from
 * seeds on each backend (moving a tensor off the GPU would need a synchronous read, which Node
 * cannot do), and results are read with data() only.
 *
 * Tolerance: both backends compute in float32, but the GPU sums in a different order (tiled
 * workgroups, tree reductions) from the cpu's sequential loops. A sum of K float32 products carries
 * a rounding error of at most about K·2^-24 of the sum of magnitudes, typically √K·2^-24; the
 * largest reductions here are K ≤ 7·7·3 = 147 (7×7 stem) and the batch-norm moments over
 * 2·9·11 = 198 values, so one kernel stays within 200·6e-8 ≈ 1.2e-5 of the largest output.
 * KERNEL_TOLERANCE is 1e-4 (as for wasm), about 8× that bound. A whole training step chains ~20
 * such kernels forward and back, and normalisation divides by small variances, so errors compound:
 * STEP_TOLERANCE is 1e-3, still three orders of magnitude below a wrong kernel (an index or padding
 * mistake gives errors of order 1). Measured on SwiftShader (2026-12): kernels at most 4.6e-7, the
 * ResNet-like step 1.6e-6, the ViT-like step 4.8e-7.
 */
const KERNEL_TOLERANCE = 1e-4;
const STEP_TOLERANCE = 1e-3;

const adapter = webgpuTestAdapter();
const title = adapter.ok ? 'webgpu (Dawn) vs cpu' : `webgpu (Dawn) vs cpu: SKIPPED, no WebGPU adapter here: ${adapter.reason}`;
if (!adapter.ok) console.warn(title);

type Backend = 'cpu' | 'webgpu';
type Op = (...xs: tf.Tensor[]) => tf.Tensor;
interface Result {
  shape: number[];
  values: Float32Array;
  grads: Float32Array[];
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

/**
 * `op` on seeded inputs of `shapes` on one backend: its output, and the gradient of every input for
 * a seeded cotangent (a weighted sum of the outputs, so that each output element matters).
 */
async function run(backend: Backend, op: Op, shapes: number[][]): Promise<Result> {
  await tf.setBackend(backend);
  const inputs = shapes.map((s, i) => seededTensor(100 + i, s));
  const y = op(...inputs);
  const cotangent = seededTensor(99, y.shape);
  const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(op(...xs), cotangent)))(inputs);
  const out = { shape: y.shape, values: (await y.data()) as Float32Array, grads: await Promise.all(grads.map(async (g) => (await g.data()) as Float32Array)) };
  tf.dispose([...inputs, y, cotangent, ...grads]);
  return out;
}

async function expectParity(op: Op, shapes: number[][], tolerance = KERNEL_TOLERANCE): Promise<void> {
  const ref = await run('cpu', op, shapes);
  const got = await run('webgpu', op, shapes);
  expect(got.shape).toEqual(ref.shape);
  expect(ref.values.some((v) => v !== 0)).toBe(true);
  expect(relativeError(ref.values, got.values), 'forward').toBeLessThan(tolerance);
  ref.grads.forEach((g, i) => {
    expect(g.some((v) => v !== 0), `gradient ${i} is all zeros on cpu`).toBe(true);
    expect(relativeError(g, got.grads[i]), `gradient of input ${i}`).toBeLessThan(tolerance);
  });
}

const pad3: tf.backend_util.ExplicitPadding = [[0, 0], [3, 3], [3, 3], [0, 0]];
const conv = (stride: number, pad: 'same' | 'valid' | tf.backend_util.ExplicitPadding): Op => (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad);

describe.skipIf(!adapter.ok)(title, () => {
  beforeAll(async () => {
    await selectBackend({ prefer: 'webgpu', log: () => {} });
  });

  describe('kernels: values and gradients within 1e-4 of cpu', () => {
    it.each([
      ['3x3 stride 1 same', conv(1, 'same'), [[2, 9, 11, 3], [3, 3, 3, 4]]],
      ['3x3 stride 2 same', conv(2, 'same'), [[2, 9, 11, 3], [3, 3, 3, 4]]],
      ['7x7 stride 2 pad 3 (ResNet stem)', conv(2, pad3), [[2, 15, 13, 3], [7, 7, 3, 4]]],
      ['1x1 stride 2 valid (downsample)', conv(2, 'valid'), [[2, 8, 7, 5], [1, 1, 5, 3]]],
      ['4x4 stride 4 valid (ViT patch embedding)', conv(4, 'valid'), [[2, 16, 16, 3], [4, 4, 3, 8]]],
    ] as const)('conv2d %s', async (_, op, shapes) => expectParity(op, shapes.map((s) => [...s])));

    it('matMul, with either side transposed (linear layers, attention projections)', async () => {
      await expectParity((a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D), [[5, 7], [7, 3]]);
      await expectParity((a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, false, true), [[5, 7], [3, 7]]);
      await expectParity((a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, true, false), [[7, 5], [7, 3]]);
    });

    it('batchMatMul (attention scores and weighted values)', async () => {
      await expectParity((q, k) => tf.matMul(q as tf.Tensor3D, k as tf.Tensor3D, false, true), [[4, 5, 6], [4, 5, 6]]);
      await expectParity((a, v) => tf.matMul(a as tf.Tensor3D, v as tf.Tensor3D), [[4, 5, 5], [4, 5, 6]]);
    });

    it('batch norm in training mode (moments over N, H, W) and its parameters', async () => {
      await expectParity((x, g, b) => {
        const { mean, variance } = tf.moments(x, [0, 1, 2]);
        return tf.batchNorm4d(x as tf.Tensor4D, mean as tf.Tensor1D, variance as tf.Tensor1D, b as tf.Tensor1D, g as tf.Tensor1D, 1e-5);
      }, [[2, 9, 11, 4], [4], [4]]);
    });

    it('layer norm, GELU (erf) and softmax as the ViT blocks use them', async () => {
      await expectParity((x, w, b) => layerNorm(x, w, b, 1e-6), [[2, 5, 8], [8], [8]]);
      await expectParity((x) => gelu(tf.mul(x, 3)), [[2, 5, 8]]);
      await expectParity((x) => tf.softmax(tf.mul(x, 4)), [[2, 2, 5, 5]]);
    });

    it('softmax cross-entropy (the loss)', async () => {
      await expectParity((logits) => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([0, 2, 1], 'int32'), 4), logits), [[3, 4]]);
    });

    it('pooling: 3x3 stride 2 max after padding (ResNet stem), average, global mean', async () => {
      await expectParity((x) => tf.maxPool(tf.pad(tf.relu(x) as tf.Tensor4D, [[0, 0], [1, 1], [1, 1], [0, 0]]), 3, 2, 'valid'), [[2, 9, 9, 3]]);
      await expectParity((x) => tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid'), [[2, 8, 8, 3]]);
      await expectParity((x) => tf.mean(x, [1, 2]), [[2, 7, 7, 5]]);
    });

    it('element-wise maths with broadcasting, ReLU, and reductions', async () => {
      await expectParity((a, b) => tf.add(a, b), [[2, 3, 4], [4]]);
      await expectParity((a, b) => tf.mul(a, b), [[2, 3, 4], [3, 1]]);
      await expectParity((a, b) => tf.div(a, tf.add(tf.abs(b), 0.5)), [[2, 3, 4], [2, 3, 4]]);
      await expectParity((a, b) => tf.relu(tf.sub(a, b)), [[2, 3, 4], [2, 3, 4]]);
      await expectParity((x) => tf.sum(x, -1), [[3, 50]]);
      await expectParity((x) => tf.max(x, 0), [[6, 7]]);
      await expectParity((x) => tf.sqrt(tf.add(tf.square(x), 1)), [[3, 7]]);
    });

    it('tensor plumbing of the ViT: reshape, transpose, concat, tile, slice', async () => {
      await expectParity((x) => tf.transpose(tf.reshape(x, [2, 5, 2, 4]), [0, 2, 1, 3]), [[2, 5, 8]]);
      await expectParity((cls, tokens) => tf.concat([tf.tile(cls, [2, 1, 1]), tokens], 1), [[1, 1, 8], [2, 4, 8]]);
      await expectParity((x) => tf.slice(x, [0, 0, 0], [2, 1, 8]), [[2, 5, 8]]);
    });
  });

  describe('a whole training step', () => {
    async function stepOn(backend: Backend, build: () => ReferenceNet, xShape: number[]): Promise<Record<string, Float32Array>> {
      await tf.setBackend(backend);
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
      ['ViT-like', () => buildViT({ imageSize: 16, patch: 4, dim: 8, depth: 1, heads: 2, numClasses: 3 }), [2, 16, 16, 3]],
    ] as const;

    it.each(nets)(`%s: the loss and every parameter gradient within ${STEP_TOLERANCE} of cpu`, async (_, build, xShape) => {
      const ref = await stepOn('cpu', build, [...xShape]);
      const got = await stepOn('webgpu', build, [...xShape]);
      expect(Object.keys(got).sort()).toEqual(Object.keys(ref).sort());
      expect(Object.keys(ref).length).toBeGreaterThan(10);
      const errors = Object.fromEntries(Object.keys(ref).map((k) => [k, relativeError(ref[k], got[k])]));
      expect(Math.max(...Object.values(errors)), JSON.stringify(errors)).toBeLessThan(STEP_TOLERANCE);
    });

    it('tensors and GPU buffers in use stay flat across steps', async () => {
      await tf.setBackend('webgpu');
      const net = buildResNet({ widths: [4, 8], blocks: [1, 1], stemKernel: 3, numClasses: 3 });
      const x = seededTensor(9, [4, 12, 12, 3]) as tf.Tensor4D;
      const backend = tf.backend() as unknown as { bufferManager: { numUsedBuffers: number } };
      const counts: [number, number][] = [];
      for (let i = 0; i < 3; i++) {
        const { loss, grads } = trainingGradients(net, x, [0, 1, 2, 0]);
        await loss.data(); // waits for the GPU: buffers of finished work return to the pool
        tf.dispose([loss, ...Object.values(grads)]);
        counts.push([tf.memory().numTensors, backend.bufferManager.numUsedBuffers]);
      }
      expect(counts[1]).toEqual(counts[0]);
      expect(counts[2]).toEqual(counts[0]);
      net.dispose();
      x.dispose();
    });
  });
});
