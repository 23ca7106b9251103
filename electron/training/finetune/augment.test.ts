import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { augmentBatch } from './augment.ts';
import { Rng } from './rng.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const noJitter = { rotation: 0, scale: 0, translate: 0, brightness: 0, contrast: 0 };

describe('augmentation', () => {
  it('is the identity with every range at zero', () => {
    const x = tf.tensor4d(new Rng(1).normalArray(2 * 8 * 8 * 3, 1), [2, 8, 8, 3]);
    const y = augmentBatch(x, new Rng(2), noJitter);
    expect(Math.max(...Array.from(tf.abs(tf.sub(x, y)).dataSync()))).toBeLessThan(1e-5);
  });

  it('flips only when asked (off by default: laterality matters)', () => {
    const row = [0, 1, 2, 3];
    const x = tf.tensor4d(Array.from({ length: 16 }, (_, i) => [row[i % 4], row[i % 4], row[i % 4]]).flat(), [1, 4, 4, 3]);
    const flipsSeen = new Set<number>();
    for (let s = 0; s < 8; s++) {
      const y = augmentBatch(x, new Rng(s), { ...noJitter, horizontalFlip: true }).dataSync();
      flipsSeen.add(y[0]); // first pixel: 0 unflipped, 3 flipped
      expect(augmentBatch(x, new Rng(s), noJitter).dataSync()[0]).toBeCloseTo(0, 5);
    }
    expect([...flipsSeen].sort()).toEqual([0, 3]);
  });

  it('flips a non-square (6x10) image about its own vertical centre line, and leaves it alone at zero ranges', () => {
    const cols = Array.from({ length: 10 }, (_, x) => x);
    const x = tf.tensor4d(Array.from({ length: 60 }, (_, i) => [cols[i % 10], cols[i % 10], cols[i % 10]]).flat(), [1, 6, 10, 3]);
    expect(Math.max(...Array.from(tf.abs(tf.sub(x, augmentBatch(x, new Rng(1), noJitter))).dataSync()))).toBeLessThan(1e-5);
    const seen = new Set<string>();
    for (let s = 0; s < 8; s++) {
      const y = augmentBatch(x, new Rng(s), { ...noJitter, horizontalFlip: true }).dataSync();
      // Row 3, every column: either 0..9 or 9..0 (a flip about the centre of the height would shift it).
      seen.add(Array.from({ length: 10 }, (_, c) => Math.round(y[(3 * 10 + c) * 3])).join(','));
    }
    expect([...seen].sort()).toEqual(['0,1,2,3,4,5,6,7,8,9', '9,8,7,6,5,4,3,2,1,0']);
  });

  it('keeps grey images grey (no colour jitter) and is reproducible from the seed', () => {
    const grey = tf.tile(tf.tensor4d(new Rng(3).normalArray(16 * 16, 1), [1, 16, 16, 1]), [1, 1, 1, 3]) as tf.Tensor4D;
    const a = augmentBatch(grey, new Rng(5)).dataSync();
    const b = augmentBatch(grey, new Rng(5)).dataSync();
    expect(a).toEqual(b);
    for (let p = 0; p < 256; p++) {
      expect(a[p * 3 + 1]).toBe(a[p * 3]);
      expect(a[p * 3 + 2]).toBe(a[p * 3]);
    }
    expect(augmentBatch(grey, new Rng(6)).dataSync()).not.toEqual(a);
  });
});
