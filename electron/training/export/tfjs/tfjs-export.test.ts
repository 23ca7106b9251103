import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackbone } from '../../backbones/registry.ts';
import { maxRowRelErr, nchwToNhwc, readFixture, useTestBackend } from '../../backbones/testing.ts';
import { loadWeights } from '../../weights/load-weights.ts';
import { SafetensorsFile } from '../../../weights/safetensors.ts';
import { TFJS_INPUT, folderLoader, writeTfjsModel } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'labeltune-tfjs-export-'));
beforeAll(useTestBackend);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(['resnet18', 'vit_tiny_patch16_224'])('TF.js graph-model export: %s', (name) => {
  it('reloads with tf.loadGraphModel and reproduces the logits within 1e-4', async () => {
    const fx = await readFixture(name);
    const [n, , size] = fx.input.shape;
    const model = createBackbone(name, { numClasses: fx.meta.num_classes, imageSize: size });
    const file = await SafetensorsFile.open(fx.weights);
    try {
      await loadWeights(model, file, { strict: true });
      const out = join(dir, name);
      const files = await writeTfjsModel(model, out, { classes: ['a', 'b'] });
      expect(readdirSync(out).sort()).toEqual([...files].sort());
      expect(files.filter((f) => f.endsWith('.bin')).length).toBeGreaterThan(1); // 4 MB shards
      const graph = await tf.loadGraphModel(folderLoader(out));
      expect(graph.inputs.map((i) => i.name)).toEqual([TFJS_INPUT]);
      expect(graph.metadata).toEqual({ classes: ['a', 'b'] });
      const x = nchwToNhwc(fx.input);
      const logits = graph.predict(x) as tf.Tensor;
      const ours = model.forward(x);
      const vsReference = maxRowRelErr(logits.dataSync(), fx.logits.data, n);
      const vsTfjs = maxRowRelErr(logits.dataSync(), ours.dataSync(), n);
      console.log(`tfjs ${name}: vs timm ${vsReference.toExponential(2)}, vs model ${vsTfjs.toExponential(2)}`);
      expect(logits.shape).toEqual([n, fx.meta.num_classes]);
      expect(vsReference).toBeLessThan(1e-4);
      expect(vsTfjs).toBeLessThan(1e-4);
      tf.dispose([x, logits, ours]);
      graph.dispose();
    } finally {
      await file.close();
      model.dispose();
    }
  });
});

it('a ResNet-50 graph with bottlenecks and batch 1 matches the model', async () => {
  const model = createBackbone('resnet50', { numClasses: 4, imageSize: 32 });
  const out = join(dir, 'r50');
  try {
    await writeTfjsModel(model, out);
    const graph = await tf.loadGraphModel(folderLoader(out));
    const x = tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const a = graph.predict(x) as tf.Tensor;
    const b = model.forward(x);
    expect(maxRowRelErr(a.dataSync(), b.dataSync(), 1)).toBeLessThan(1e-4);
    tf.dispose([x, a, b]);
    graph.dispose();
  } finally {
    model.dispose();
  }
});
