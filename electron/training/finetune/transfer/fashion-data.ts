import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { TrainData } from '../loop.ts';

/** Where Debian's `dataset-fashion-mnist` package puts the IDX files. */
export const FASHION_DIR = '/usr/share/datasets/fashion-mnist';

/** Fashion-MNIST's pixel mean and std (over the 60k training images, scaled to [0, 1]). */
const MEAN = 0.286;
const STD = 0.353;

export type FashionSplit = 'train' | 't10k';

/** Both splits present (the transfer experiment pretrains on `train` and tests on `t10k`). */
export function fashionTrainAndTestAvailable(dir = FASHION_DIR): boolean {
  return ['train', 't10k'].every((s) => existsSync(join(dir, `${s}-images-idx3-ubyte.gz`)) && existsSync(join(dir, `${s}-labels-idx1-ubyte.gz`)));
}

export interface RawSplit {
  /** count × 28 × 28 grey bytes. */
  images: Uint8Array;
  labels: Uint8Array;
  side: number;
}

function readIdx(file: string, magic: number): { dims: number[]; data: Uint8Array } {
  const buf = gunzipSync(readFileSync(file));
  if (buf.readUInt32BE(0) !== magic) throw new Error(`${file} is not an IDX file (magic ${buf.readUInt32BE(0)}, expected ${magic}); reinstall dataset-fashion-mnist`);
  const rank = magic & 0xff;
  const dims = Array.from({ length: rank }, (_, k) => buf.readUInt32BE(4 + 4 * k));
  return { dims, data: buf.subarray(4 + 4 * rank) };
}

export function readFashionSplit(split: FashionSplit, dir = FASHION_DIR): RawSplit {
  const images = readIdx(join(dir, `${split}-images-idx3-ubyte.gz`), 0x00000803);
  const labels = readIdx(join(dir, `${split}-labels-idx1-ubyte.gz`), 0x00000801);
  return { images: images.data, labels: labels.data, side: images.dims[1] };
}

/**
 * Indices of `perClass` images of each class in `classes`, in file order, skipping the first `skip`
 * of each class (so a labelled set and a validation set drawn from one split never overlap).
 */
export function pickPerClass(raw: RawSplit, classes: number[], perClass: number, skip = 0): number[] {
  const seen = new Map(classes.map((c) => [c, 0]));
  const picked: number[] = [];
  for (let i = 0; i < raw.labels.length && picked.length < classes.length * perClass; i++) {
    const n = seen.get(raw.labels[i]);
    if (n === undefined) continue;
    seen.set(raw.labels[i], n + 1);
    if (n >= skip && n < skip + perClass) picked.push(i);
  }
  return picked;
}

/**
 * Images `indices` as loop data: 28 px grey resized (bilinear) to `size`, repeated to 3 channels,
 * normalised with the dataset's mean/std; labels `classes[k]` become class k (one-hot).
 */
export function toTrainData(raw: RawSplit, indices: number[], classes: number[], size: number): TrainData & { labels: number[] } {
  const k = classes.length;
  const side = raw.side;
  const labels = indices.map((i) => classes.indexOf(raw.labels[i]));
  if (labels.some((l) => l < 0)) throw new Error('toTrainData: an index points at an image outside the chosen classes');
  const flat = new Float32Array(indices.length * side * side);
  indices.forEach((src, j) => {
    for (let p = 0; p < side * side; p++) flat[j * side * side + p] = (raw.images[src * side * side + p] / 255 - MEAN) / STD;
  });
  const resized = tf.tidy(() => {
    const x = tf.tensor4d(flat, [indices.length, side, side, 1]);
    const y = size === side ? x : tf.image.resizeBilinear(x, [size, size], true);
    return tf.tile(y, [1, 1, 1, 3]);
  });
  const all = resized.dataSync() as Float32Array;
  resized.dispose();
  const stride = size * size * 3;
  const targets = new Float32Array(indices.length * k);
  labels.forEach((l, j) => (targets[j * k + l] = 1));
  const ids = indices.map((_, j) => j);
  return { ids, labels, targets, pixels: (id) => all.subarray(id * stride, (id + 1) * stride) };
}
