import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../../../weights/npy.ts';
import { SafetensorsFile, type TensorToWrite, writeSafetensors } from '../../../weights/safetensors.ts';
import { maxRowRelErr } from '../../../weights/testing/fixtures.ts';
import { runCli } from '../../testing/cli.ts';
import { sharedFixture } from '../../testing/fixtures.ts';

let tmp: string;
const previousHome = process.env.LABELTUNE_HOME;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'labeltune-forward-'));
  process.env.LABELTUNE_HOME = join(tmp, 'home');
});
afterAll(() => {
  process.env.LABELTUNE_HOME = previousHome;
  rmSync(tmp, { recursive: true, force: true });
});

const run = runCli;

const fx = sharedFixture('backbones/resnet18');

describe('labeltune forward', () => {
  it('reproduces the resnet18 fixture logits and features within 1e-4', async () => {
    const logits = join(tmp, 'logits.npy');
    const features = join(tmp, 'features.npy');
    const r = await run('forward', '--arch', 'resnet18', '--weights', join(fx, 'model.safetensors'), '--input', join(fx, 'input.npy'),
      '--logits', logits, '--features', features, '--batch-size', '1', '--json');
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc).toMatchObject({ arch: 'resnet18', images: 2, height: 64, width: 64, numClasses: 5, featureDim: 512, logits: { shape: [2, 5] }, features: { shape: [2, 512] } });
    const [gotL, refL, gotF, refF] = await Promise.all([logits, join(fx, 'logits.npy'), features, join(fx, 'features.npy')].map(readNpy));
    expect(gotL.shape).toEqual([2, 5]);
    expect(gotL.dtype).toBe('<f4');
    const errL = maxRowRelErr(gotL.data, refL.data, 2);
    const errF = maxRowRelErr(gotF.data, refF.data, 2);
    console.log(`forward CLI resnet18 [${doc.backend}]: logits ${errL.toExponential(2)}, features ${errF.toExponential(2)}`);
    expect(errL).toBeLessThan(1e-4);
    expect(errF).toBeLessThan(1e-4);
  });

  it('exits 2 on missing options and 1 with a message naming the file on a wrong input shape', async () => {
    const missing = await run('forward', '--arch', 'resnet18', '--input', 'x.npy');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('missing --weights, --logits');
    const bad = join(tmp, 'bad.npy');
    await writeNpy(bad, [2, 64, 64, 3], new Float32Array(2 * 64 * 64 * 3));
    const r = await run('forward', '--arch', 'resnet18', '--weights', join(fx, 'model.safetensors'), '--input', bad, '--logits', join(tmp, 'o.npy'), '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).error).toMatchObject({ code: 'validation', message: expect.stringContaining(`${bad}: expected a float32 array of shape [N, 3, H, W]`) });
    const arch = await run('forward', '--arch', 'resnet99', '--weights', 'w', '--input', bad, '--logits', 'o');
    expect(arch.code).toBe(1);
    expect(arch.err).toContain('Unknown model architecture "resnet99"');
  });
});

// The ResNet on H ≠ W, checked against the ML library's model in-process: test/contract/forward-non-square.test.ts.
describe('labeltune forward: non-square input', () => {
  it('refuses H ≠ W for a ViT, naming the square shape it needs', async () => {
    const input = join(tmp, 'vit-wide.npy');
    await writeNpy(input, [1, 3, 224, 256], new Float32Array(224 * 256 * 3));
    const vit = sharedFixture('backbones/vit_tiny_patch16_224/model.safetensors');
    const r = await run('forward', '--arch', 'vit_tiny_patch16_224', '--weights', vit, '--input', input, '--logits', join(tmp, 'vit-o.npy'), '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).error).toMatchObject({
      code: 'validation',
      message: `${input}: vit_tiny_patch16_224 takes square images only (its position embeddings are a square grid of patches): expected shape [N, 3, S, S], e.g. [1, 3, 224, 224] as its weights were trained, got [1, 3, 224, 256]. ResNets take any [N, 3, H, W].`,
    });
  });
});

describe('labeltune forward: NaN and Inf at the boundaries', () => {
  it('refuses an input with NaN or Inf values, giving their count and the first index, and writes nothing', async () => {
    const input = await readNpy(join(fx, 'input.npy'));
    const data = Float32Array.from(input.data);
    const per = data.length / input.shape[0];
    data[per + 5] = Number.NaN;
    data[per + 9] = Number.NEGATIVE_INFINITY;
    const bad = join(tmp, 'nan-input.npy');
    await writeNpy(bad, input.shape, data);
    const logits = join(tmp, 'nan-input-logits.npy');
    const r = await run('forward', '--arch', 'resnet18', '--weights', join(fx, 'model.safetensors'), '--input', bad, '--logits', logits, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).error).toMatchObject({
      code: 'validation',
      message: `${bad}: 2 of ${data.length} input values are NaN or Inf (first at index ${per + 5}, in image 1). Check the normalisation of the batch (a division by a zero std gives NaN) and save it again.`,
    });
    expect(existsSync(logits)).toBe(false);
  });

  it('fails on NaN logits from weights holding NaN, naming the weights as the likely cause', async () => {
    const src = await SafetensorsFile.open(join(fx, 'model.safetensors'));
    const tensors: TensorToWrite[] = [];
    for (const info of src.tensors.values()) {
      const data = Float32Array.from(await src.read(info.name));
      if (info.name === 'layer4.1.bn2.running_var') data.fill(Number.NaN);
      tensors.push({ name: info.name, dtype: 'F32', shape: [...info.shape], data });
    }
    await src.close();
    const weights = join(tmp, 'nan-weights.safetensors');
    await writeSafetensors(weights, tensors, { ...src.metadata });
    const logits = join(tmp, 'nan-weights-logits.npy');
    const r = await run('forward', '--arch', 'resnet18', '--weights', weights, '--input', join(fx, 'input.npy'), '--logits', logits, '--json');
    expect(r.code).toBe(1);
    const error = JSON.parse(r.out).error;
    expect(error.code).toBe('validation');
    expect(error.message).toContain(`${weights}: the model gives NaN or Inf for 10 of 10 logits (first in image 0) although the input is finite, so the weights very likely hold NaN or Inf values`);
    expect(existsSync(logits)).toBe(false);
  });
});
