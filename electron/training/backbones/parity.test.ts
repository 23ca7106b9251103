import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadWeights } from '../weights/load-weights.ts';
import { SafetensorsFile } from '../../weights/safetensors.ts';
import { createBackbone } from './registry.ts';
import { nchwToNhwc } from './ops.ts';
import { maxRowRelErr, readFixture, useTestBackend } from './testing.ts';

beforeAll(useTestBackend);

const TOLERANCE = 1e-4;

/**
 * Parity with timm: the fixtures hold weights, an input and float64 reference outputs computed by
 * PyTorch. Logits and pre-logits features must match to 1e-4 (row-wise relative L2).
 */
describe.each(['resnet18', 'resnet50', 'vit_tiny_patch16_224'])('parity with timm: %s', (name) => {
  it('logits and features match the reference within 1e-4', async () => {
    const fx = await readFixture(name);
    const [n, , size] = fx.input.shape;
    const model = createBackbone(fx.meta.timm_name, { numClasses: fx.meta.num_classes, imageSize: size });
    const file = await SafetensorsFile.open(fx.weights);
    try {
      const report = await loadWeights(model, file, { strict: true });
      expect(report.loaded).toBe(model.variables.size);
      expect(report.headReplaced).toBe(false);
      const x = nchwToNhwc(fx.input.data, fx.input.shape);
      const features = model.forwardFeatures(x);
      const pre = model.forwardHead(features, { preLogits: true });
      const logits = model.forwardHead(features);
      expect(pre.shape).toEqual([n, fx.meta.feature_dim]);
      expect(logits.shape).toEqual([n, fx.meta.num_classes]);
      const errLogits = maxRowRelErr(logits.dataSync(), fx.logits.data, n);
      const errFeatures = maxRowRelErr(pre.dataSync(), fx.features.data, n);
      console.log(`parity ${name} [${tf.getBackend()}]: logits ${errLogits.toExponential(2)}, features ${errFeatures.toExponential(2)}`);
      expect(errLogits).toBeLessThan(TOLERANCE);
      expect(errFeatures).toBeLessThan(TOLERANCE);
      tf.dispose([x, features, pre, logits]);
    } finally {
      await file.close();
      model.dispose();
    }
  });
});

/** Swap height and width of an NHWC batch. */
const transposeHw = (x: tf.Tensor) => tf.transpose(x, [0, 2, 1, 3]);

/**
 * Non-square inputs have no timm reference here, so they are checked by a property every ResNet
 * has exactly: transposing the image and every convolution kernel (all square, with the same
 * stride and padding on both axes) transposes every feature map, and the global average pool is
 * blind to that, so the logits stay the same. An implementation that mixed up height and width
 * anywhere (padding, strides, pooling, reshapes) breaks it on an H ≠ W input.
 */
describe.each(['resnet18', 'resnet50'])('non-square input, %s with the fixture weights', (name) => {
  it('gives [N, K] logits, equal for an H×W image and its W×H transpose with transposed kernels', async () => {
    const fx = await readFixture(name);
    const [n, , size] = fx.input.shape;
    const square = nchwToNhwc(fx.input.data, fx.input.shape);
    // 40×64: the fixture's first 40 rows, a non-square image made of the reference pixels.
    const x = tf.slice(square, [0, 0, 0, 0], [n, 40, size, 3]) as tf.Tensor4D;
    const model = createBackbone(name, { numClasses: fx.meta.num_classes, imageSize: size });
    const flipped = createBackbone(name, { numClasses: fx.meta.num_classes, imageSize: size });
    const file = await SafetensorsFile.open(fx.weights);
    try {
      await loadWeights(model, file, { strict: true });
      await loadWeights(flipped, file, { strict: true });
      tf.tidy(() => {
        for (const [key, v] of flipped.variables) if (v.rank === 4) v.assign(tf.transpose(model.variables.get(key)!, [1, 0, 2, 3]));
      });
      const logits = model.forward(x);
      const xt = transposeHw(x) as tf.Tensor4D;
      const other = flipped.forward(xt);
      expect(logits.shape).toEqual([n, fx.meta.num_classes]);
      const features = model.forwardFeatures(x);
      expect(features.shape).toEqual([n, 2, 2, fx.meta.feature_dim]); // 40 px -> 2 rows, 64 px -> 2 columns at stride 32
      const err = maxRowRelErr(other.dataSync(), logits.dataSync(), n);
      console.log(`non-square ${name} 40×64 vs transposed [${tf.getBackend()}]: ${err.toExponential(2)}`);
      expect(err).toBeLessThan(1e-5);
      // The untransposed model on the transposed image is a different computation: the check can fail.
      const wrong = model.forward(xt);
      expect(maxRowRelErr(wrong.dataSync(), logits.dataSync(), n)).toBeGreaterThan(1e-2);
      tf.dispose([square, x, xt, logits, other, features, wrong]);
    } finally {
      await file.close();
      model.dispose();
      flipped.dispose();
    }
  }, 60_000);
});
