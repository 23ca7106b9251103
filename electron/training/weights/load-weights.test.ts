import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backbone } from '../backbones/types.ts';
import { loadWeights } from './load-weights.ts';
import { SafetensorsFile, type TensorToWrite, writeSafetensors } from '../../weights/safetensors.ts';

const tmp = mkdtempSync(join(tmpdir(), 'labeltune-load-'));
beforeAll(() => tf.setBackend('cpu'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const seq = (n: number, start = 0) => Float32Array.from({ length: n }, (_, i) => start + i);

/** A tiny stand-in for a backbone: only `variables`, `classifier` and `arch` matter to the loader. */
function fakeBackbone(shapes: Record<string, number[]>, classifier = 'fc'): Backbone {
  const variables = new Map<string, tf.Variable>();
  for (const [name, shape] of Object.entries(shapes)) variables.set(name, tf.variable(tf.fill(shape, -1), true, `${name}_${Math.random()}`));
  return { arch: 'tiny', classifier, variables, dispose: () => variables.forEach((v) => v.dispose()) } as unknown as Backbone;
}

/** Our (TF.js) shapes for a 2-class tiny resnet: conv 2x2, 3 -> 4 channels, BN stats, fc 4 -> 2. */
const OURS = { 'conv1.weight': [2, 2, 3, 4], 'bn1.running_mean': [4], 'fc.weight': [4, 2], 'fc.bias': [2] };

/** The file side, PyTorch layouts, with `classes` outputs. */
function torchTensors(classes: number): TensorToWrite[] {
  return [
    { name: 'conv1.weight', dtype: 'F16', shape: [4, 3, 2, 2], data: seq(48) },
    { name: 'bn1.running_mean', dtype: 'F32', shape: [4], data: Float32Array.from([0.5, 0.25, -1, 3]) },
    { name: 'fc.weight', dtype: 'F16', shape: [classes, 4], data: seq(classes * 4, 100) },
    { name: 'fc.bias', dtype: 'F16', shape: [classes], data: seq(classes, 10) },
  ];
}

async function withFile<T>(name: string, tensors: TensorToWrite[], body: (f: SafetensorsFile) => Promise<T>): Promise<T> {
  const path = join(tmp, name);
  await writeSafetensors(path, tensors);
  const f = await SafetensorsFile.open(path);
  try {
    return await body(f);
  } finally {
    await f.close();
  }
}

const values = (b: Backbone, name: string) => Array.from(b.variables.get(name)!.dataSync());

describe('loadWeights', () => {
  it('loads every tensor with the layout converted', async () => {
    const b = fakeBackbone(OURS);
    const report = await withFile('exact.safetensors', torchTensors(2), (f) => loadWeights(b, f));
    expect(report).toEqual({ loaded: 4, missing: [], unexpected: [], mismatched: [], adapted: [], headReplaced: false });
    const conv = b.variables.get('conv1.weight')!.arraySync() as number[][][][];
    // torch[o][i][y][x] = ((o*3+i)*2+y)*2+x lands at ours[y][x][i][o]
    expect(conv[1][0][2][3]).toBe(((3 * 3 + 2) * 2 + 1) * 2 + 0);
    expect(conv[0][1][0][1]).toBe(((1 * 3 + 0) * 2 + 0) * 2 + 1);
    expect(values(b, 'bn1.running_mean')).toEqual([0.5, 0.25, -1, 3]);
    // fc torch [[100,101,102,103],[104,...]] -> ours [4, 2]
    expect(values(b, 'fc.weight')).toEqual([100, 104, 101, 105, 102, 106, 103, 107]);
    expect(values(b, 'fc.bias')).toEqual([10, 11]);
    b.dispose();
  });

  it('keeps the fresh classifier when the file has another class count, and says so', async () => {
    const b = fakeBackbone(OURS);
    const report = await withFile('classes.safetensors', torchTensors(1000), (f) => loadWeights(b, f));
    expect(report.headReplaced).toBe(true);
    expect(report.loaded).toBe(2);
    expect(report.mismatched).toEqual([]);
    expect(values(b, 'fc.weight')).toEqual(new Array(8).fill(-1));
    expect(values(b, 'fc.bias')).toEqual([-1, -1]);
    expect(values(b, 'bn1.running_mean')).toEqual([0.5, 0.25, -1, 3]);
    b.dispose();
  });

  it('treats a ViT head the same way (head.*, the classifier timm names so for the vit family)', async () => {
    const b = fakeBackbone({ 'norm.weight': [4], 'head.weight': [4, 3], 'head.bias': [3] }, 'head');
    const tensors: TensorToWrite[] = [
      { name: 'norm.weight', dtype: 'F32', shape: [4], data: seq(4) },
      { name: 'head.weight', dtype: 'F32', shape: [7, 4], data: seq(28) },
      { name: 'head.bias', dtype: 'F32', shape: [7], data: seq(7) },
    ];
    const report = await withFile('vit.safetensors', tensors, (f) => loadWeights(b, f));
    expect(report).toMatchObject({ loaded: 1, headReplaced: true, missing: [], unexpected: [] });
    expect(values(b, 'norm.weight')).toEqual([0, 1, 2, 3]);
    b.dispose();
  });

  it('strict: refuses missing and unexpected keys, names them, and changes nothing', async () => {
    const b = fakeBackbone({ ...OURS, 'layer1.0.conv1.weight': [3, 3, 4, 4] });
    const extra = [...torchTensors(2), { name: 'bn1.num_batches_tracked_x', dtype: 'F32' as const, shape: [1], data: seq(1) }];
    const err = await withFile('strict.safetensors', extra, (f) => loadWeights(b, f).catch((e: unknown) => e));
    expect(err).toMatchObject({ code: 'validation' });
    expect((err as Error).message).toMatch(/strict\.safetensors does not fit tiny: missing 1 \(layer1\.0\.conv1\.weight\), unexpected 1 \(bn1\.num_batches_tracked_x\)/);
    expect(values(b, 'bn1.running_mean')).toEqual([-1, -1, -1, -1]);
    b.dispose();
  });

  it('strict: refuses a backbone tensor of the wrong shape, with both shapes', async () => {
    const b = fakeBackbone({ ...OURS, 'bn1.running_mean': [8] });
    const err = await withFile('shape.safetensors', torchTensors(2), (f) => loadWeights(b, f).catch((e: unknown) => e));
    expect((err as Error).message).toMatch(/wrong shape 1 \(bn1\.running_mean: file \[4\], model \[8\]\)/);
    b.dispose();
  });

  it('non-strict: loads what fits and reports the rest', async () => {
    const b = fakeBackbone({ ...OURS, 'bn1.running_mean': [8], 'layer1.0.conv1.weight': [1] });
    const report = await withFile('loose.safetensors', torchTensors(2), (f) => loadWeights(b, f, { strict: false }));
    expect(report).toEqual({
      loaded: 3,
      missing: ['layer1.0.conv1.weight'],
      unexpected: [],
      mismatched: [{ name: 'bn1.running_mean', expected: [8], got: [4] }],
      adapted: [],
      headReplaced: false,
    });
    expect(values(b, 'fc.bias')).toEqual([10, 11]);
    b.dispose();
  });

  it('lets `adapt` fix a shape (the pos_embed resampling hook)', async () => {
    const b = fakeBackbone({ pos_embed: [1, 3, 2] });
    const tensors: TensorToWrite[] = [{ name: 'pos_embed', dtype: 'F32', shape: [1, 2, 2], data: seq(4) }];
    const report = await withFile('adapt.safetensors', tensors, (f) =>
      loadWeights(b, f, { adapt: (_n, t, expected) => ({ shape: expected, data: Float32Array.from([...t.data, 9, 9]) }) }),
    );
    expect(report).toMatchObject({ loaded: 1, adapted: ['pos_embed'], mismatched: [] });
    expect(values(b, 'pos_embed')).toEqual([0, 1, 2, 3, 9, 9]);
    b.dispose();
  });
});
