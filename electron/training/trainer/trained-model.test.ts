import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunConfig } from '../../../shared/domain/run.ts';
import { saveCheckpoint } from '../finetune/checkpoint.ts';
import { FineTuner } from '../finetune/loop.ts';
import { createStrategy } from '../finetune/strategies.ts';
import { baseConfig } from '../finetune/testing/config.ts';
import { syntheticData } from '../finetune/testing/synthetic.ts';
import { createBackbone } from '../backbones/index.ts';
import { loadTrainedModel } from './trained-model.ts';

const dir = mkdtempSync(join(tmpdir(), 'labeltune-trained-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const runConfig = (backbone: string, strategy: 'lora' | 'adapter'): RunConfig => ({
  backbone, weights: null, pretrained: false, strategy, strategyReason: '', imageSize: 16, epochs: 2, batchSize: 8, lr: 0.05, bodyLr: 0.05, lrNote: '',
  layerDecay: 1, weightDecay: 0, warmupFraction: 0, gradualEvery: 1, seed: 5, multiLabel: false, classes: ['a', 'b', 'c'],
  classWeights: null, labelSmoothing: 0, aux: null, augment: false, horizontalFlip: false, resize: 'crop', patience: 0, backend: 'cpu',
});

describe('loading a trained model for export', () => {
  it.each([['test-tiny-vit', 'lora'], ['test-tiny-resnet', 'adapter']] as const)('%s / %s reproduces the trained outputs', async (arch, strategy) => {
    const backbone = createBackbone(arch, { numClasses: 3, imageSize: 16, seed: 5 });
    const s = createStrategy(strategy, backbone, { lora: { seed: 5 }, adapter: { seed: 5 } });
    const t = new FineTuner(backbone, s, baseConfig({ epochs: 2 }), syntheticData(16, 16, 3, 1), syntheticData(6, 16, 3, 2, 100));
    await t.fit();
    const file = await saveCheckpoint(t, dir, 1);
    const probe = syntheticData(2, 16, 3, 9);
    const x = tf.tensor4d(new Float32Array([...probe.pixels(1), ...probe.pixels(2)]), [2, 16, 16, 3]);
    const trained = backbone.forward(x, s.extension!.hooks).dataSync();
    const plain = backbone.forward(x).dataSync();
    const m = await loadTrainedModel(file, runConfig(arch, strategy));
    const loaded = m.backbone.forward(x, m.forwardOptions).dataSync();
    expect(Math.max(...Array.from(trained, (v, i) => Math.abs(v - loaded[i])))).toBeLessThan(1e-5);
    expect(Math.max(...Array.from(trained, (v, i) => Math.abs(v - plain[i])))).toBeGreaterThan(1e-3); // the extension mattered
    expect(m.adapters === null).toBe(strategy === 'lora');
    m.adapters?.dispose();
    m.backbone.dispose();
    t.dispose();
    backbone.dispose();
  });
});
