import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportInfo } from '../../../../shared/domain/export.ts';
import { encodeTiff } from '../../../imaging/decode/test-images.ts';
import { onHost } from '../../host/host-job.ts';
import { checkpointFile } from '../../runs/checkpoint-file.ts';
import { getRun } from '../../runs/store.ts';
import { fillSampleProject } from '../../runs/testing/sample-project.ts';
import { runCli } from '../../testing/cli.ts';
import { type TestEngine, createTestProject } from '../../testing/test-engine.ts';

const dir = mkdtempSync(join(tmpdir(), 'labeltune-predict-'));
const images = join(dir, 'images');
const classes = ['normal', 'effusion', 'nodule'];
let t: TestEngine;
let exportDir: string;
let onnxDir: string;
let nanExportDir: string;
let expected: number[][];

/** A run's export as the app writes it (through the engine and its model host). */
async function exportRun(runId: number, format: 'tfjs' | 'onnx'): Promise<string> {
  const job = await t.client.invoke('job.wait', await t.client.invoke('exports.start', { runId, format }));
  expect(job.error).toBeNull();
  return (job.result as ExportInfo).path;
}

/** Overwrite one weight of a TF.js export with NaN, as a diverged training would have left it. */
function poisonTfjsWeight(exported: string, name: string): void {
  const manifest = JSON.parse(readFileSync(join(exported, 'model.json'), 'utf8')).weightsManifest as { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
  expect(manifest).toHaveLength(1);
  // The weights run on across the shards in manifest order.
  const shards = manifest[0].paths.map((p) => readFileSync(join(exported, p)));
  const all = Buffer.concat(shards);
  let offset = 0;
  for (const w of manifest[0].weights) {
    expect(['float32', 'int32']).toContain(w.dtype); // 4 bytes a value either way
    const size = w.shape.reduce((a, b) => a * b, 1) * 4;
    if (w.name === name) {
      expect(w.dtype).toBe('float32');
      for (let o = offset; o < offset + size; o += 4) all.writeFloatLE(Number.NaN, o);
      let start = 0;
      manifest[0].paths.forEach((p, i) => {
        writeFileSync(join(exported, p), all.subarray(start, start + shards[i].length));
        start += shards[i].length;
      });
      return;
    }
    offset += size;
  }
  throw new Error(`${exported} has no weight ${name}: ${manifest[0].weights.map((w) => w.name).join(', ')}`);
}

/** A resnet18 run exported as TF.js and ONNX (and a TF.js copy with a NaN classifier), and three PNGs of other sizes. */
beforeAll(async () => {
  t = await createTestProject('Predict project');
  await fillSampleProject(t.engine.ctx.project().db, t.projectDir, { perClass: 6, classes, size: 24 });
  const started = await t.client.invoke('runs.start', { backbone: 'resnet18', strategy: 'linear', epochs: 1, imageSize: 32, batchSize: 6, backend: 'cpu', seed: 3 });
  expect((await t.client.invoke('job.wait', { jobId: started.jobId })).status).toBe('completed');
  exportDir = await exportRun(started.runId, 'tfjs');
  onnxDir = await exportRun(started.runId, 'onnx');
  nanExportDir = join(dir, 'export-nan');
  cpSync(exportDir, nanExportDir, { recursive: true });
  poisonTfjsWeight(nanExportDir, 'fc.bias');
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
  const db = t.engine.ctx.project().db;
  const model = { runId: started.runId, config: getRun(db, started.runId).config, checkpoint: checkpointFile(db, t.projectDir, started.runId) };
  expected = (await onHost('predict', { model, images: files.map((path, id) => ({ id, path, frame: 0 })) }, { what: 'prediction' })).probs;
}, 300_000);
afterAll(async () => {
  await t?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

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
    writeFileSync(join(empty, 'preprocessing.json'), readFileSync(join(onnxDir, 'preprocessing.json')));
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
