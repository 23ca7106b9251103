import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackbone } from '../../backbones/registry.ts';
import { maxRowRelErr, nchwToNhwc, readFixture, useTestBackend } from '../../backbones/testing.ts';
import { loadWeights } from '../../weights/load-weights.ts';
import { SafetensorsFile } from '../../../weights/safetensors.ts';
import { exportSafetensors, timmLoadSnippet } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'labeltune-st-export-'));
beforeAll(useTestBackend);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(['resnet18', 'vit_tiny_patch16_224'])('safetensors export round trip: %s', (name) => {
  it('writes timm names and PyTorch layouts that reload to identical outputs', async () => {
    const fx = await readFixture(name);
    const [n, , size] = fx.input.shape;
    const source = await SafetensorsFile.open(fx.weights);
    const model = createBackbone(name, { numClasses: fx.meta.num_classes, imageSize: size });
    const copy = createBackbone(name, { numClasses: fx.meta.num_classes, imageSize: size });
    const out = join(dir, `${name}.safetensors`);
    try {
      await loadWeights(model, source, { strict: true });
      const count = await exportSafetensors(model, out, { labeltune_run: '7' });
      const exported = await SafetensorsFile.open(out);
      try {
        // Same names and shapes as timm's own file (which omits num_batches_tracked too).
        expect([...exported.tensors.keys()].sort()).toEqual([...source.tensors.keys()].sort());
        for (const [k, info] of source.tensors) expect(exported.tensors.get(k)!.shape).toEqual(info.shape);
        expect(count).toBe(source.tensors.size);
        expect(exported.metadata).toMatchObject({ format: 'pt', arch: name, num_classes: String(fx.meta.num_classes), labeltune_run: '7' });
        // Values: the F16 originals survive exactly in F32.
        const k = name === 'resnet18' ? 'layer2.0.conv1.weight' : 'blocks.3.attn.qkv.weight';
        expect(Array.from(await exported.read(k))).toEqual(Array.from(await source.read(k)));
        await loadWeights(copy, exported, { strict: true });
      } finally {
        await exported.close();
      }
      const x = nchwToNhwc(fx.input);
      const a = model.forward(x);
      const b = copy.forward(x);
      expect(maxRowRelErr(b.dataSync(), a.dataSync(), n)).toBe(0);
      expect(maxRowRelErr(b.dataSync(), fx.logits.data, n)).toBeLessThan(1e-4);
      tf.dispose([x, a, b]);
    } finally {
      await source.close();
      model.dispose();
      copy.dispose();
    }
  });
});

it('documents the exact timm loading lines', () => {
  const s = timmLoadSnippet('resnet50', 3);
  expect(s).toContain('timm.create_model("resnet50", pretrained=False, num_classes=3)');
  expect(s).toContain('load_file("model.safetensors")');
});
