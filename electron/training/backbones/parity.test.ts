import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadWeights } from '../weights/load-weights.ts';
import { SafetensorsFile } from '../weights/safetensors.ts';
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
