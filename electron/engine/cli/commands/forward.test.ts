import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackbone } from '../../../training/backbones/registry.ts';
import { FIXTURE_DIR, maxRowRelErr } from '../../../training/backbones/testing.ts';
import { loadWeights } from '../../../training/weights/load-weights.ts';
import { readNpy, writeNpy } from '../../../weights/npy.ts';
import { SafetensorsFile, type TensorToWrite, writeSafetensors } from '../../../weights/safetensors.ts';
import { runCli } from '../../testing/cli.ts';

let tmp: string;
const previousHome = process.env.LABELTUNE_HOME;
beforeAll(async () => {
  // The command runs in a model host; the reference model built here needs a backend of its own.
  await tf.setBackend('cpu');
  tmp = mkdtempSync(join(tmpdir(), 'labeltune-forward-'));
  process.env.LABELTUNE_HOME = join(tmp, 'home');
});
afterAll(() => {
  process.env.LABELTUNE_HOME = previousHome;
  rmSync(tmp, { recursive: true, force: true });
});

const run = runCli;

const fx = join(FIXTURE_DIR, 'resnet18');

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

/** NCHW [n, 3, h, w] → NHWC by plain index arithmetic, independent of the code under test. */
function nchwToNhwcByHand(data: Float32Array, n: number, h: number, w: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    out[((i * h + y) * w + x) * 3 + c] = data[((i * 3 + c) * h + y) * w + x];
  }
  return out;
}

describe('labeltune forward: non-square input', () => {
  it('runs a ResNet on [N, 3, H, W] with H ≠ W: [N, K] logits equal to the NHWC path on the same pixels', async () => {
    // 40×64 (and 64×40): the fixture's reference pixels, cut to a non-square image.
    const ref = await readNpy(join(fx, 'input.npy'));
    for (const [h, w] of [[40, 64], [64, 40]]) {
      const data = new Float32Array(2 * 3 * h * w);
      for (let i = 0; i < 2; i++) for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
        data[((i * 3 + c) * h + y) * w + x] = ref.data[((i * 3 + c) * 64 + y) * 64 + x];
      }
      const input = join(tmp, `wide-${h}x${w}.npy`);
      const logits = join(tmp, `wide-${h}x${w}-logits.npy`);
      const features = join(tmp, `wide-${h}x${w}-features.npy`);
      await writeNpy(input, [2, 3, h, w], data);
      const r = await run('forward', '--arch', 'resnet18', '--weights', join(fx, 'model.safetensors'), '--input', input, '--logits', logits, '--features', features, '--json');
      expect(r.code, r.err).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject({ images: 2, height: h, width: w, logits: { shape: [2, 5] }, features: { shape: [2, 512] } });
      const got = await readNpy(logits);
      expect(got.shape).toEqual([2, 5]);

      const model = createBackbone('resnet18', { numClasses: 5, imageSize: 64 });
      const file = await SafetensorsFile.open(join(fx, 'model.safetensors'));
      await loadWeights(model, file, { strict: true });
      await file.close();
      const x = tf.tensor4d(nchwToNhwcByHand(data, 2, h, w), [2, h, w, 3]);
      const want = model.forward(x);
      const err = maxRowRelErr(got.data, want.dataSync(), 2);
      expect(err).toBeLessThan(1e-5);
      // Not the square fixture's answer: the cut changed the image, and the check would see a mix-up of H and W.
      expect(maxRowRelErr(got.data, (await readNpy(join(fx, 'logits.npy'))).data, 2)).toBeGreaterThan(1e-2);
      tf.dispose([x, want]);
      model.dispose();
    }
  }, 60_000);

  it('refuses H ≠ W for a ViT, naming the square shape it needs', async () => {
    const input = join(tmp, 'vit-wide.npy');
    await writeNpy(input, [1, 3, 224, 256], new Float32Array(224 * 256 * 3));
    const vit = join(FIXTURE_DIR, 'vit_tiny_patch16_224', 'model.safetensors');
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
