import * as tf from '@tensorflow/tfjs';
import ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBackbone } from '../backbones/registry.ts';
import { maxRowRelErr, useTestBackend } from '../backbones/testing.ts';
import { createAdapters } from '../finetune/extensions.ts';
import { adapterWeights } from './adapters.ts';
import { ONNX_INPUT, ONNX_OUTPUT, exportOnnx } from './onnx/index.ts';
import { tfjsGraphModel } from './tfjs/index.ts';

beforeAll(useTestBackend);

/** Adapters cannot be folded into the backbone: both exporters must write them as ops, exactly. */
describe.each(['resnet18', 'vit_tiny_patch16_224'])('exporting a model with bottleneck adapters: %s', (arch) => {
  it('ONNX and TF.js reproduce forward() with the adapter hooks', async () => {
    const size = 32;
    const model = createBackbone(arch, { numClasses: 3, imageSize: size, seed: 1 });
    const ext = createAdapters(model, { seed: 2 });
    // `up` starts at zero (identity); give it values so that a missing adapter would show.
    for (const [name, v] of ext.variables) if (name.includes('.up.')) v.assign(tf.randomNormal(v.shape, 0, 0.05, 'float32', 5));
    const adapters = await adapterWeights(ext, 'relu');
    const x = tf.randomNormal([2, size, size, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
    try {
      const withHooks = model.forward(x, ext.hooks).dataSync();
      const without = model.forward(x).dataSync();
      expect(maxRowRelErr(without, withHooks, 2)).toBeGreaterThan(1e-3);

      const session = await ort.InferenceSession.create(exportOnnx(model, '', adapters));
      const nchw = tf.tidy(() => tf.transpose(x, [0, 3, 1, 2]).dataSync() as Float32Array);
      const onnx = (await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', nchw, [2, 3, size, size]) }))[ONNX_OUTPUT].data as Float32Array;
      await session.release();
      expect(maxRowRelErr(onnx, withHooks, 2)).toBeLessThan(1e-4);

      const { modelJson, shards } = tfjsGraphModel(model, undefined, adapters);
      const weightData = Buffer.concat([...shards.values()]);
      const manifest = modelJson.weightsManifest as { weights: tf.io.WeightsManifestEntry[] }[];
      const graph = await tf.loadGraphModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology as object, weightSpecs: manifest[0].weights, weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength) }));
      const out = graph.predict(x) as tf.Tensor;
      expect(maxRowRelErr(out.dataSync(), withHooks, 2)).toBeLessThan(1e-4);
      out.dispose();
      graph.dispose();
    } finally {
      x.dispose();
      ext.dispose();
      model.dispose();
    }
  });
});
