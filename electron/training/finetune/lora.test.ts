import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAdapters } from './extensions.ts';
import { createLora, mergeLora } from './lora.ts';
import { Rng } from './rng.ts';
import { createBackbone } from '../backbones/registry.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const image = (n: number, size: number) => tf.tensor4d(new Rng(3).normalArray(n * size * size * 3, 1), [n, size, size, 3]);

describe('LoRA and adapters', () => {
  it('starts at the pretrained output (B and up-projection are zero)', () => {
    const vit = createBackbone('test-tiny-vit', { numClasses: 3, imageSize: 16 });
    const lora = createLora(vit);
    const x = image(2, 16);
    const plain = vit.forward(x).dataSync();
    const hooked = vit.forward(x, lora.hooks).dataSync();
    expect(Array.from(hooked)).toEqual(Array.from(plain));
    const resnet = createBackbone('test-tiny-resnet', { numClasses: 3, imageSize: 16 });
    const adapters = createAdapters(resnet);
    expect(Array.from(resnet.forward(x, adapters.hooks).dataSync())).toEqual(Array.from(resnet.forward(x).dataSync()));
    [vit, resnet, lora, adapters].forEach((m) => m.dispose());
  });

  it('merges exactly into the fused qkv weight: outputs agree within 1e-5', () => {
    const vit = createBackbone('test-tiny-vit', { numClasses: 3, imageSize: 16 });
    const lora = createLora(vit);
    const rng = new Rng(5);
    for (const [name, v] of lora.variables) if (name.endsWith('.B')) v.assign(tf.tensor(rng.normalArray(v.size, 0.3), v.shape));
    const x = image(2, 16);
    const before = vit.forward(x, lora.hooks).dataSync();
    const plain = vit.forward(x).dataSync();
    mergeLora(vit, lora);
    const after = vit.forward(x).dataSync();
    const maxDiff = Math.max(...Array.from(before, (b, i) => Math.abs(b - after[i])));
    const moved = Math.max(...Array.from(before, (b, i) => Math.abs(b - plain[i])));
    expect(moved).toBeGreaterThan(1e-2); // the LoRA update really changes the output ...
    expect(maxDiff).toBeLessThan(1e-5); // ... and the merged weights reproduce it
    vit.dispose();
    lora.dispose();
  });
});
