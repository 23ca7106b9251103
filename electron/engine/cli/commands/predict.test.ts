import * as tf from '@tensorflow/tfjs';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackbone } from '../../../training/backbones/registry.ts';
import { IMAGENET_MEAN, IMAGENET_STD } from '../../../training/backbones/pretrained.ts';
import { exportOnnx } from '../../../training/export/onnx/index.ts';
import { writeTfjsModel } from '../../../training/export/tfjs/index.ts';
import { type PreprocessConfig, describePreprocessing, preprocessImage } from '../../../training/preprocess/preprocess.ts';
import { decodeFile } from '../../../imaging/decode/index.ts';
import { encodeTiff } from '../../../imaging/decode/test-images.ts';
import { runCli } from '../../testing/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'labeltune-predict-'));
const exportDir = join(dir, 'export');
const onnxDir = join(dir, 'export-onnx');
const nanExportDir = join(dir, 'export-nan');
const images = join(dir, 'images');
const classes = ['normal', 'effusion', 'nodule'];
const pre: PreprocessConfig = { size: 32, cropPct: 0.875, mean: IMAGENET_MEAN, std: IMAGENET_STD, interpolation: 'bilinear', window: null, resize: 'crop' };
let expected: number[][];

/** A random-init resnet18 exported as TF.js with preprocessing.json, and three PNGs of other sizes. */
beforeAll(async () => {
  await tf.setBackend('cpu');
  const model = createBackbone('resnet18', { numClasses: 3, imageSize: 32 });
  await writeTfjsModel(model, exportDir);
  writeFileSync(join(exportDir, 'preprocessing.json'), JSON.stringify({ ...describePreprocessing(pre), classes, multiLabel: false }));
  mkdirSync(onnxDir);
  writeFileSync(join(onnxDir, 'model.onnx'), exportOnnx(model));
  writeFileSync(join(onnxDir, 'preprocessing.json'), JSON.stringify({ ...describePreprocessing(pre), classes, multiLabel: false }));
  mkdirSync(images);
  const files: string[] = [];
  for (let i = 0; i < 3; i++) {
    const px = Buffer.alloc(40 * 48 * 3, 0).map((_, k) => (k * (i + 3) * 7) % 256);
    const file = join(images, `scan-${i}.png`);
    await sharp(px, { raw: { width: 48, height: 40, channels: 3 } }).png().toFile(file);
    files.push(file);
  }
  writeFileSync(join(images, 'notes.txt'), 'not an image'); // skipped in a folder: not an image extension
  writeFileSync(join(dir, 'broken.png'), 'not a png at all');
  // What the in-app model gives on the same files: the reference for the export's predictions.
  const x = new Float32Array(3 * 32 * 32 * 3);
  for (let i = 0; i < 3; i++) x.set(preprocessImage((await decodeFile(files[i])).frames[0], pre), i * 32 * 32 * 3);
  expected = tf.tidy(() => tf.softmax(model.forward(tf.tensor4d(x, [3, 32, 32, 3]))).arraySync() as number[][]);
  model.dispose();
  // The same export from weights that hold NaN (a diverged training).
  const nan = createBackbone('resnet18', { numClasses: 3, imageSize: 32 });
  const fcBias = nan.variables.get('fc.bias')!;
  fcBias.assign(tf.fill(fcBias.shape, Number.NaN));
  await writeTfjsModel(nan, nanExportDir);
  writeFileSync(join(nanExportDir, 'preprocessing.json'), JSON.stringify({ ...describePreprocessing(pre), classes, multiLabel: false }));
  nan.dispose();
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = runCli;

describe('labeltune predict <export-dir>', () => {
  it('predicts a folder with the TF.js export as the in-app model does, and writes a CSV', async () => {
    const csv = join(dir, 'out.csv');
    const { code, out } = await run('predict', exportDir, images, join(dir, 'broken.png'), '--csv', csv, '--json');
    expect(code).toBe(0);
    const doc = JSON.parse(out);
    expect(doc).toMatchObject({ classes, predicted: 3, failed: 1 });
    expect(doc.rows.map((r: { path: string }) => r.path)).toEqual([0, 1, 2].map((i) => join(images, `scan-${i}.png`)).concat(join(dir, 'broken.png')));
    let worst = 0;
    doc.rows.slice(0, 3).forEach((r: { probs: number[]; predicted: string }, i: number) => {
      r.probs.forEach((p, k) => (worst = Math.max(worst, Math.abs(p - expected[i][k]))));
      expect(r.predicted).toBe(classes[expected[i].indexOf(Math.max(...expected[i]))]);
    });
    expect(worst).toBeLessThan(1e-4);
    expect(doc.rows[3].error).toMatch(/broken\.png|not|format|recogn/i);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('path,predicted,confidence,p_normal,p_effusion,p_nodule,error');
    expect(lines).toHaveLength(5);
    expect(Number(lines[1].split(',')[3])).toBeCloseTo(expected[0][0], 5);
  }, 60_000);

  it('predicts with an ONNX export on onnxruntime, as the in-app model does', async () => {
    const { code, out } = await run('predict', onnxDir, images, '--json');
    expect(code).toBe(0);
    const doc = JSON.parse(out);
    expect(doc).toMatchObject({ classes, predicted: 3, failed: 0, runtime: { runtime: 'onnxruntime' } });
    let worst = 0;
    doc.rows.forEach((r: { probs: number[] }, i: number) => r.probs.forEach((p, k) => (worst = Math.max(worst, Math.abs(p - expected[i][k])))));
    expect(worst).toBeLessThan(1e-4);
    expect(JSON.parse((await run('predict', exportDir, images, '--json')).out).runtime).toMatchObject({ runtime: 'tfjs', reason: expect.stringContaining('TF.js export') });
  }, 60_000);

  it('names the missing file of a folder that is not an export, and an ONNX file onnxruntime cannot load', async () => {
    const empty = join(dir, 'not-an-export');
    mkdirSync(empty);
    const r = await run('predict', empty, images);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${join(empty, 'model.json')} is missing (and so is model.onnx)`);
    writeFileSync(join(empty, 'model.onnx'), '');
    writeFileSync(join(empty, 'preprocessing.json'), JSON.stringify({ ...describePreprocessing(pre), classes, multiLabel: false }));
    expect((await run('predict', empty, images)).err).toContain(`${join(empty, 'model.onnx')} could not be loaded by onnxruntime`);
    expect((await run('predict', exportDir)).code).toBe(2);
  });
});

describe('labeltune predict: NaN and Inf at the boundaries', () => {
  it('fails with the likely cause when the model gives NaN logits, instead of predicting', async () => {
    const r = await run('predict', nanExportDir, images, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).error).toMatchObject({
      code: 'validation',
      message: expect.stringContaining(`${nanExportDir}: the model gives NaN or Inf logits for ${join(images, 'scan-0.png')} although its pixels are finite, so the exported weights very likely hold NaN or Inf values`),
    });
  });

  it('gives a float image with NaN pixels an error row with their count and first index; the others are predicted', async () => {
    const px = new Float32Array(40 * 40).map((_, i) => (i % 40) / 40);
    px[41] = Number.NaN;
    px[90] = Number.POSITIVE_INFINITY;
    const tiff = join(dir, 'nan.tiff');
    writeFileSync(tiff, encodeTiff(px, 40, 40, 1));
    const { code, out } = await run('predict', exportDir, tiff, join(images, 'scan-0.png'), '--json');
    expect(code).toBe(0);
    const doc = JSON.parse(out);
    expect(doc).toMatchObject({ predicted: 1, failed: 1 });
    expect(doc.rows[0]).toMatchObject({ path: tiff, predicted: null, probs: null });
    expect(doc.rows[0].error).toMatch(/^\d+ of 3072 pixel values are NaN or Inf after preprocessing \(first at index \d+\)/);
    expect(doc.rows[1]).toMatchObject({ error: null, predicted: expect.any(String) });
  });
});
