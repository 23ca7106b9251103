import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunConfig } from '../../shared/domain/run.ts';
import { createBackbone } from '../training/backbones/registry.ts';
import { saveCheckpoint } from '../training/finetune/checkpoint.ts';
import { FineTuner } from '../training/finetune/loop.ts';
import { createStrategy } from '../training/finetune/strategies.ts';
import { baseConfig } from '../training/finetune/testing/config.ts';
import { syntheticData } from '../training/finetune/testing/synthetic.ts';
import { buildBackbone, strategyOptions } from '../training/trainer/model.ts';
import { type InferenceImage, loadRunModel, predictImages, tfjsPredictor } from './inference.ts';
import { type ConversionRecord, conversionFiles, convertToOnnx } from './onnx-conversion.ts';
import { ortThreads } from './ort-session.ts';
import { type InferenceSetup, RunInference, maxAbsDiff } from './run-inference.ts';

const PRETRAINED = fileURLToPath(new URL('../../../shared/fixtures/pretrained/resnet18-fmnist0-4/model.safetensors', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'labeltune-ort-'));
const images: InferenceImage[] = [];
const quiet: InferenceSetup = { log: () => {} };

const runConfig = (over: Partial<RunConfig> = {}): RunConfig => ({
  backbone: 'resnet18', weights: null, pretrained: false, strategy: 'full', strategyReason: '', imageSize: 32, epochs: 1, batchSize: 8, lr: 0.01, bodyLr: 0.01, lrNote: '',
  layerDecay: 1, weightDecay: 0, warmupFraction: 0, gradualEvery: 1, seed: 3, multiLabel: false, classes: ['a', 'b', 'c'],
  classWeights: null, labelSmoothing: 0, aux: null, augment: false, horizontalFlip: false, resize: 'crop', patience: 0, backend: 'cpu', ...over,
});

/** A checkpoint as training writes it; a random head is scaled up so the probabilities are far from uniform. */
async function checkpoint(config: RunConfig, name: string, headScale = 1): Promise<string> {
  const backbone = await buildBackbone(config);
  if (headScale !== 1) {
    const fc = backbone.variables.get('fc.weight')!;
    fc.assign(tf.mul(fc, headScale));
  }
  const strategy = createStrategy(config.strategy, backbone, strategyOptions(config));
  const k = config.classes.length;
  const t = new FineTuner(backbone, strategy, baseConfig({ numClasses: k }), syntheticData(4, config.imageSize, k, 1), syntheticData(2, config.imageSize, k, 2, 10));
  const file = await saveCheckpoint(t, join(dir, name), 1);
  t.dispose();
  backbone.dispose();
  return file;
}

/** TF.js's probabilities for the same images: the reference every runtime must meet. */
async function tfjsProbs(config: RunConfig, file: string): Promise<number[][]> {
  const m = await loadRunModel({ runId: 1, config, checkpoint: file });
  try {
    return await predictImages(tfjsPredictor(m), images);
  } finally {
    m.dispose();
  }
}

async function ortProbs(config: RunConfig, file: string, setup: InferenceSetup = quiet) {
  const m = new RunInference({ runId: 1, config, checkpoint: file }, setup);
  try {
    const probs = await predictImages(m, images, { batchSize: 4 });
    return { probs, runtime: m.runtime! };
  } finally {
    await m.dispose();
  }
}

const worst = (a: number[][], b: number[][]) => maxAbsDiff(a.flat(), b.flat());
const spread = (p: number[][]) => Math.max(...p.map((row) => Math.max(...row) - Math.min(...row)));

beforeAll(async () => {
  await tf.setBackend('cpu');
  for (let i = 0; i < 7; i++) {
    const path = join(dir, `img-${i}.png`);
    const raw = Buffer.alloc(40 * 40 * 3).map((_, k) => ((k % 3 === i % 3 ? 200 : 30) + ((k * (i + 3) * 7) % 50)) % 256);
    await sharp(raw, { raw: { width: 40, height: 40, channels: 3 } }).png().toFile(path);
    images.push({ id: i + 1, path, frame: 0 });
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('RunInference: a checkpoint on onnxruntime', () => {
  const config = runConfig();
  let file: string;
  let reference: number[][];
  beforeAll(async () => {
    file = await checkpoint(config, 'run1', 20);
    reference = await tfjsProbs(config, file);
  });

  it('converts the checkpoint, checks it, and equals TF.js within 1e-4', async () => {
    const { probs, runtime } = await ortProbs(config, file);
    expect(runtime).toMatchObject({ runtime: 'onnxruntime', conversion: 'fresh', fallback: null });
    expect(runtime.threads).toBeGreaterThanOrEqual(1);
    expect(runtime.maxAbsDiff).toBeLessThan(1e-4);
    expect(spread(reference)).toBeGreaterThan(0.05); // the comparison is not between two uniform outputs
    expect(worst(probs, reference)).toBeLessThan(1e-4);
    const files = conversionFiles(file);
    const record = JSON.parse(readFileSync(files.record, 'utf8')) as ConversionRecord;
    expect(record).toMatchObject({ ok: true, images: 4, reason: null });
  });

  it('reuses the cached conversion: no second conversion, the same answers', async () => {
    const files = conversionFiles(file);
    const before = statSync(files.model).mtimeMs;
    const first = await ortProbs(config, file);
    const second = await ortProbs(config, file);
    expect(first.runtime.conversion).toBe('cached');
    expect(second.runtime).toMatchObject({ runtime: 'onnxruntime', conversion: 'cached', fallback: null });
    expect(statSync(files.model).mtimeMs).toBe(before);
    expect(second.probs).toEqual(first.probs);
    expect(worst(second.probs, reference)).toBeLessThan(1e-4);
  });

  it('converts again when the cached graph does not match its record (corrupt cache), saying so', async () => {
    const files = conversionFiles(file);
    const bytes = readFileSync(files.model);
    bytes[bytes.length - 10] ^= 0xff; // a weight changes: the graph still loads, and would answer differently
    writeFileSync(files.model, bytes);
    const lines: string[] = [];
    const { probs, runtime } = await ortProbs(config, file, { log: (l) => lines.push(l) });
    expect(lines.join('\n')).toContain('does not match its recorded sha256');
    expect(runtime).toMatchObject({ runtime: 'onnxruntime', conversion: 'fresh' });
    expect(worst(probs, reference)).toBeLessThan(1e-4);
  });

  it('falls back to TF.js on a mismatch, records why, and keeps falling back for that checkpoint', async () => {
    const other = await checkpoint(config, 'run2', 20);
    const ref2 = await tfjsProbs(config, other);
    const lines: string[] = [];
    // A converter that writes another model's weights: the check must catch it.
    const wrong = createBackbone('resnet18', { numClasses: 3, imageSize: 32, seed: 99 });
    const { probs, runtime } = await ortProbs(config, other, { log: (l) => lines.push(l), convert: () => convertToOnnx(wrong, null, 'wrong') });
    wrong.dispose();
    expect(runtime).toMatchObject({ runtime: 'tfjs', threads: null });
    expect(runtime.fallback).toMatch(/differ from TF\.js's by up to .* on 4 images/);
    expect(lines.join('\n')).toContain('falls back to TF.js');
    expect(worst(probs, ref2)).toBeLessThan(1e-6);
    const record = JSON.parse(readFileSync(conversionFiles(other).record, 'utf8')) as ConversionRecord;
    expect(record.ok).toBe(false);
    expect(record.maxAbsDiff).toBeGreaterThan(1e-4);
    const again = await ortProbs(config, other);
    expect(again.runtime.runtime).toBe('tfjs');
    expect(again.runtime.fallback).toContain('delete it to convert again');
    expect(worst(again.probs, ref2)).toBeLessThan(1e-6);
  });

  it('falls back to TF.js when onnxruntime cannot load the graph', async () => {
    const copy = await checkpoint(config, 'run3', 20);
    const ref3 = await tfjsProbs(config, copy);
    const { probs, runtime } = await ortProbs(config, copy, { log: () => {}, convert: async () => new Uint8Array([1, 2, 3, 4]) });
    expect(runtime.runtime).toBe('tfjs');
    expect(runtime.fallback).toContain('onnxruntime could not run the converted graph');
    expect(worst(probs, ref3)).toBeLessThan(1e-6);
  });

  it('runs TF.js when LABELTUNE_INFERENCE=tfjs, without a fallback', async () => {
    const { probs, runtime } = await ortProbs(config, file, { log: () => {}, env: { LABELTUNE_INFERENCE: 'tfjs' } });
    expect(runtime).toMatchObject({ runtime: 'tfjs', fallback: null, reason: 'LABELTUNE_INFERENCE=tfjs' });
    expect(worst(probs, reference)).toBeLessThan(1e-6);
  });

  it('multi-label runs get sigmoids from onnxruntime too', async () => {
    const multi = runConfig({ multiLabel: true });
    const f = await checkpoint(multi, 'run4', 20);
    const ref = await tfjsProbs(multi, f);
    const { probs, runtime } = await ortProbs(multi, f);
    expect(runtime.runtime).toBe('onnxruntime');
    expect(probs[0].reduce((a, b) => a + b, 0)).not.toBeCloseTo(1, 2);
    expect(worst(probs, ref)).toBeLessThan(1e-4);
  });
});

describe.skipIf(!existsSync(PRETRAINED) && process.env.CI !== 'true')('RunInference on the pretrained resnet18 fixture', () => {
  it('equals TF.js within 1e-4 on a checkpoint of the pretrained network', async () => {
    const config = runConfig({ weights: PRETRAINED, pretrained: true, classes: ['t-shirt', 'trouser', 'pullover', 'dress', 'coat'] });
    const file = await checkpoint(config, 'pretrained');
    copyFileSync(file, `${file}.bak`); // the checkpoint is not touched by the conversion
    const reference = await tfjsProbs(config, file);
    const { probs, runtime } = await ortProbs(config, file);
    expect(runtime).toMatchObject({ runtime: 'onnxruntime', conversion: 'fresh' });
    expect(spread(reference)).toBeGreaterThan(0.05);
    expect(worst(probs, reference)).toBeLessThan(1e-4);
    expect(readFileSync(file).equals(readFileSync(`${file}.bak`))).toBe(true);
  });
});

describe('ortThreads', () => {
  it('takes LABELTUNE_ORT_THREADS, refuses nonsense naming the variable, and uses at least one free core', () => {
    expect(ortThreads({ LABELTUNE_ORT_THREADS: '3' })).toBe(3);
    expect(() => ortThreads({ LABELTUNE_ORT_THREADS: 'many' })).toThrow(/LABELTUNE_ORT_THREADS is "many"/);
    expect(() => ortThreads({ LABELTUNE_ORT_THREADS: '0' })).toThrow(/whole number/);
    expect(ortThreads({})).toBeGreaterThanOrEqual(1);
  });
});

describe('inferenceStatus (labeltune doctor)', () => {
  it('reports onnxruntime after running a graph, with its threads, and TF.js when asked', async () => {
    const { inferenceStatus } = await import('./ort-session.ts');
    expect(await inferenceStatus({ LABELTUNE_ORT_THREADS: '2' })).toMatchObject({ runtime: 'onnxruntime', detail: expect.stringMatching(/onnxruntime-node 1\.30\.\d+, 2 intra-op thread\(s\) from LABELTUNE_ORT_THREADS/) });
    expect(await inferenceStatus({ LABELTUNE_INFERENCE: 'tfjs' })).toEqual({ runtime: 'tfjs', detail: 'LABELTUNE_INFERENCE=tfjs' });
  });
});
