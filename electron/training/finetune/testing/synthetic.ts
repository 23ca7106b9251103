import type { TrainData } from '../loop.ts';
import { Rng } from '../rng.ts';

/**
 * Synthetic images with an obvious class signal that survives global pooling: class c lifts
 * channel c % 3 (and class ≥ 3 a spatial stripe pattern on top), plus Gaussian noise of std `noise`.
 */
export function syntheticData(n: number, size: number, classes: number, seed: number, idOffset = 0, noise = 0.5): TrainData & { labels: number[] } {
  const rng = new Rng(seed);
  const pixels = new Map<number, Float32Array>();
  const labels: number[] = [];
  const targets = new Float32Array(n * classes);
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    const id = idOffset + i + 1;
    const img = new Float32Array(size * size * 3);
    for (let p = 0; p < size * size; p++) {
      for (let ch = 0; ch < 3; ch++) img[p * 3 + ch] = rng.normal() * noise + (ch === c % 3 ? 1 : 0);
      if (c >= 3 && Math.floor(p / size) % 2 === 0) img[p * 3] += 1;
    }
    pixels.set(id, img);
    ids.push(id);
    labels.push(c);
    targets[i * classes + c] = 1;
  }
  return { ids, labels, targets, pixels: (id) => pixels.get(id)! };
}
