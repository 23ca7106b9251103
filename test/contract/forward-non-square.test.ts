import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli as run } from '../../electron/engine/testing/cli.ts';
import { createBackbone } from '../../electron/training/backbones/registry.ts';
import { loadWeights } from '../../electron/training/weights/load-weights.ts';
import { readNpy, writeNpy } from '../../electron/weights/npy.ts';
import { SafetensorsFile } from '../../electron/weights/safetensors.ts';
import { fixturePath, maxRowRelErr } from '../../electron/weights/testing/fixtures.ts';

/**
 * `labeltune forward` (the engine's CLI, run in a model host) on non-square images, against the
 * ML library's model run here on the same pixels: a cross-process check, so it lives here and not
 * beside the engine, which never loads TensorFlow.
 */
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

const fx = fixturePath('resnet18');

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
});
