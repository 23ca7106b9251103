import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWeights } from '../../weights/load-weights.ts';
import { SafetensorsFile } from '../../../weights/safetensors.ts';
import { checkpointAdapter } from '../adapt.ts';
import { linear } from '../ops.ts';
import { resamplePosEmbed } from './pos-embed.ts';
import { createBackbone } from '../registry.ts';
import { FIXTURE_DIR, useTestBackend } from '../testing.ts';
import type { Backbone, ForwardOptions } from '../types.ts';

beforeAll(useTestBackend);

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

describe('ViT q / k / v addressing (LoRA hook)', () => {
  let model: Backbone;
  let x: tf.Tensor4D;
  let base: tf.Tensor2D;
  const d = 192;
  /** A LoRA-like update: a delta of input @ A on one projection equals adding A to its qkv columns. */
  let a: tf.Tensor2D;

  beforeAll(() => {
    a = tf.randomNormal([d, d], 0, 0.05, 'float32', 3) as tf.Tensor2D;
    model = createBackbone('vit_tiny_patch16_224', { numClasses: 4, imageSize: 32 });
    x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    base = model.forward(x);
  });
  afterAll(() => model.dispose());

  /** Forward with block 0's qkv.weight shifted by A in the column block of q, k or v (j = 0, 1, 2). */
  function withWeightShift(j: number): tf.Tensor2D {
    const w = model.variables.get('blocks.0.attn.qkv.weight')!;
    const saved = tf.clone(w);
    w.assign(tf.tidy(() => tf.add(w, tf.pad(a, [[0, 0], [j * d, (2 - j) * d]]))));
    const y = model.forward(x);
    w.assign(saved);
    saved.dispose();
    return y;
  }

  it('a zero delta leaves the logits exactly unchanged', () => {
    const opts: ForwardOptions = { projectionDelta: (_b, _w, input) => tf.zerosLike(input) };
    const y = model.forward(x, opts);
    expect(maxAbsDiff(y, base)).toBe(0);
  });

  it.each([['q', 0], ['k', 1], ['v', 2]] as const)('a delta on %s equals shifting column block %i of the fused qkv', (which, j) => {
    const hook: ForwardOptions = {
      projectionDelta: (block, w, input) => (block === 0 && w === which ? linear(input, a) : null),
    };
    const viaHook = model.forward(x, hook);
    expect(maxAbsDiff(viaHook, base)).toBeGreaterThan(1e-4); // the delta does something...
    expect(maxAbsDiff(viaHook, withWeightShift(j))).toBeLessThan(1e-5); // ...exactly what shifting that slice does
    expect(maxAbsDiff(viaHook, withWeightShift((j + 1) % 3))).toBeGreaterThan(1e-4); // ...and not another slice
  });

  it('passes each block its own index and the normed block input', () => {
    const seen: string[] = [];
    model.forward(x, {
      projectionDelta: (block, which, input) => {
        seen.push(`${block}${which}:${input.shape.join('x')}`);
        return null;
      },
    }).dispose();
    expect(seen).toHaveLength(36);
    expect(seen.slice(0, 3)).toEqual(['0q:2x5x192', '0k:2x5x192', '0v:2x5x192']);
    expect(seen[35]).toBe('11v:2x5x192');
  });
});

describe('ViT at other input sizes', () => {
  it('builds at 112 and 384 px with resampled pos_embed and the right token counts', () => {
    for (const [size, tokens] of [[112, 50], [384, 577]]) {
      const m = createBackbone('vit_tiny_patch16_224', { numClasses: 3, imageSize: size });
      expect(m.variables.get('pos_embed')!.shape).toEqual([1, tokens, 192]);
      const x = tf.zeros([1, size, size, 3]) as tf.Tensor4D;
      const stem = m.runGroups(x, 0, 1);
      expect(stem.shape).toEqual([1, tokens, 192]);
      // blocks do not depend on the size; run norm + head on the stem's tokens to check the tail
      const logits = m.runGroups(stem, m.groups.length - 2, m.groups.length);
      expect(logits.shape).toEqual([1, 3]);
      tf.dispose([x, stem, logits]);
      m.dispose();
    }
  });

  it('runs a whole 112 px forward', () => {
    const m = createBackbone('vit_tiny_patch16_224', { numClasses: 3, imageSize: 112 });
    const y = m.forward(tf.randomNormal([1, 112, 112, 3]) as tf.Tensor4D);
    expect(y.shape).toEqual([1, 3]);
    expect(Number.isFinite(y.dataSync()[0])).toBe(true);
    m.dispose();
  });

  it('refuses an input of another size with a message that says what to do', () => {
    const m = createBackbone('vit_tiny_patch16_224', { numClasses: 3, imageSize: 32 });
    expect(() => m.forward(tf.zeros([1, 64, 64, 3]) as tf.Tensor4D)).toThrow(/built for 32×32 px.*got 64×64/);
    m.dispose();
  });

  it('refuses a non-square input, naming the square shape it needs and why (position embeddings)', () => {
    const m = createBackbone('vit_tiny_patch16_224', { numClasses: 3, imageSize: 32 });
    const x = tf.zeros([1, 32, 48, 3]) as tf.Tensor4D;
    const message = 'vit_tiny_patch16_224 takes square images only: its position embeddings are a 2×2 grid of 16 px patches, so it needs 32×32 px ([N, 32, 32, 3]), got 32×48.';
    expect(() => m.forward(x)).toThrow(message);
    expect(() => m.runGroups(x, 0, 1)).toThrow(message);
    expect(() => m.checkInputSize(48, 32)).toThrow(/takes square images only/);
    expect(() => m.checkInputSize(32, 32)).not.toThrow();
    x.dispose();
    m.dispose();
  });

  it('loads 224 px pretrained weights into a 384 px model by resampling pos_embed', async () => {
    const m = createBackbone('vit_tiny_patch16_224', { numClasses: 4, imageSize: 384 });
    const file = await SafetensorsFile.open(`${FIXTURE_DIR}/vit_tiny_patch16_224/model.safetensors`);
    try {
      const report = await loadWeights(m, file, { strict: true, adapt: checkpointAdapter(m) });
      expect(report.adapted).toEqual(['pos_embed']);
      expect(report.loaded).toBe(m.variables.size);
      const original = tf.tensor3d(await file.read('pos_embed'), [1, 197, 192]);
      const expected = resamplePosEmbed(original, 24);
      expect(maxAbsDiff(m.variables.get('pos_embed')!, expected)).toBeLessThan(1e-6);
      tf.dispose([original, expected]);
    } finally {
      await file.close();
      m.dispose();
    }
  });
});
