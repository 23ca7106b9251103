import * as tf from '@tensorflow/tfjs';
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ArchGraph, type ArchOp, type Cut, cutName } from '../../backbones/arch-graph.ts';
import { createBackbone } from '../../backbones/registry.ts';
import { maxRowRelErr, nchwToNhwc, readFixture, useTestBackend } from '../../backbones/testing.ts';
import { loadWeights } from '../../weights/load-weights.ts';
import { SafetensorsFile } from '../../../weights/safetensors.ts';
import { ONNX_FEATURES, ONNX_INPUT, ONNX_OUTPUT, OPSET, exportOnnx } from './index.ts';

beforeAll(useTestBackend);

async function runOnnx(bytes: Uint8Array, input: Float32Array, shape: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const out = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', input, shape) });
    return out[ONNX_OUTPUT].data as Float32Array;
  } finally {
    await session.release();
  }
}

/** The exported graph, run by onnxruntime, against timm's reference outputs and our TF.js model. */
describe.each(['resnet18', 'resnet50', 'vit_tiny_patch16_224'])('ONNX export parity: %s', (name) => {
  it('onnxruntime reproduces the reference logits within 1e-4', async () => {
    const fx = await readFixture(name);
    const [n, , size] = fx.input.shape;
    const model = createBackbone(fx.meta.timm_name, { numClasses: fx.meta.num_classes, imageSize: size });
    const file = await SafetensorsFile.open(fx.weights);
    try {
      await loadWeights(model, file, { strict: true });
      const bytes = exportOnnx(model);
      const decoded = onnxProto.onnx.ModelProto.decode(bytes);
      expect(Number(decoded.opsetImport[0].version)).toBe(OPSET);
      expect(decoded.graph?.input?.[0]?.name).toBe(ONNX_INPUT);
      const onnxLogits = await runOnnx(bytes, fx.input.data as Float32Array, fx.input.shape as number[]);
      const x = nchwToNhwc(fx.input);
      const ours = model.forward(x);
      const vsReference = maxRowRelErr(onnxLogits, fx.logits.data, n);
      const vsTfjs = maxRowRelErr(onnxLogits, ours.dataSync(), n);
      console.log(`onnx ${name}: vs timm ${vsReference.toExponential(2)}, vs tfjs ${vsTfjs.toExponential(2)}, ${(bytes.length / 1e6).toFixed(1)} MB`);
      expect(onnxLogits.length).toBe(n * fx.meta.num_classes);
      expect(vsReference).toBeLessThan(1e-4);
      expect(vsTfjs).toBeLessThan(1e-4);
      tf.dispose([x, ours]);
    } finally {
      await file.close();
      model.dispose();
    }
  });
});

describe('ONNX export', () => {
  it('keeps the batch dimension dynamic', async () => {
    const model = createBackbone('resnet18', { numClasses: 3, imageSize: 32 });
    try {
      const bytes = exportOnnx(model);
      for (const batch of [1, 3]) {
        const input = Float32Array.from({ length: batch * 3 * 32 * 32 }, (_, i) => Math.sin(i));
        const out = await runOnnx(bytes, input, [batch, 3, 32, 32]);
        const ours = tf.tidy(() => model.forward(tf.transpose(tf.tensor4d(input, [batch, 3, 32, 32]), [0, 2, 3, 1]) as tf.Tensor4D).dataSync());
        expect(out.length).toBe(batch * 3);
        expect(maxRowRelErr(out, ours, batch)).toBeLessThan(1e-4);
      }
    } finally {
      model.dispose();
    }
  });

  it('a ViT at another input size exports with its resampled position embedding', async () => {
    const model = createBackbone('vit_tiny_patch16_224', { numClasses: 2, imageSize: 32 });
    try {
      const input = Float32Array.from({ length: 2 * 3 * 32 * 32 }, (_, i) => Math.cos(i / 7));
      const out = await runOnnx(exportOnnx(model), input, [2, 3, 32, 32]);
      const ours = tf.tidy(() => model.forward(tf.transpose(tf.tensor4d(input, [2, 3, 32, 32]), [0, 2, 3, 1]) as tf.Tensor4D).dataSync());
      expect(maxRowRelErr(out, ours, 2)).toBeLessThan(1e-4);
    } finally {
      model.dispose();
    }
  });
});

/** Every cut of the graph: before each op, inside each residual after each body op but the last, the head's input. */
function everyCut(graph: ArchGraph): Cut[] {
  const inside = (o: ArchOp, group: number, op: number): Cut[] => (o.op === 'residual' ? o.body.slice(1).map((_, k) => ({ group, op, body: k + 1 })) : []);
  return [...graph.groups.flatMap((g, group) => g.ops.flatMap((o, op) => [{ group, op }, ...inside(o, group, op)])), { group: graph.groups.length, op: 0 }];
}

// resnet18 at its top cut: model-host/feature-pass.test.ts (every cut of it here would export 45 MB twenty times).
describe.each([
  ['test-tiny-resnet', 32],
  ['test-tiny-vit', 32],
])('ONNX features at a cut: %s', (name, size) => {
  it('equal what TF.js carries there (runBetween from the input), at every cut but the input, within 1e-4', async () => {
    const model = createBackbone(name, { numClasses: 3, imageSize: size, seed: 2 });
    const input = Float32Array.from({ length: 2 * 3 * size * size }, (_, i) => Math.sin(i / 5));
    const x = tf.transpose(tf.tensor4d(input, [2, 3, size, size]), [0, 2, 3, 1]);
    const cuts = everyCut(model.graph).slice(1);
    expect(cuts.some((c) => c.body !== undefined)).toBe(true);
    try {
      for (const cut of cuts) {
        const session = await ort.InferenceSession.create(exportOnnx(model, '', undefined, cut));
        const out = (await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', input, [2, 3, size, size]) }))[ONNX_FEATURES];
        await session.release();
        const onnx = tf.tensor(out.data as Float32Array, out.dims as number[]);
        const ours = model.runBetween(x, { group: 0, op: 0 }, cut);
        // Maps come out NCHW; the concatenated state of a cut inside a block joins on channels, as TF.js's on its last axis.
        const nhwc = onnx.rank === 4 ? tf.transpose(onnx, [0, 2, 3, 1]) : onnx;
        expect(nhwc.shape, cutName(cut)).toEqual(ours.shape);
        const diff = tf.max(tf.abs(tf.sub(nhwc, ours))).dataSync()[0];
        const scale = Math.max(1, tf.max(tf.abs(ours)).dataSync()[0]);
        expect(diff, cutName(cut)).toBeLessThan(1e-4 * scale);
        tf.dispose([onnx, ours, nhwc]);
      }
    } finally {
      x.dispose();
      model.dispose();
    }
  });
});
