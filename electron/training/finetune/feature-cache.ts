import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Backbone } from '../backbones/types.ts';

/**
 * Outputs of a frozen prefix of the network (groups [0, p)), computed once per image and reused
 * every epoch while augmentation is off: with `top`, training then costs about one forward pass.
 * Kept in memory, and on disk under `dir` (per image and input size) when a folder is given, so a
 * resumed or repeated run skips the work too. Frozen groups run in eval mode, so the cache is exact.
 */
/** Bytes of features kept in memory when a disk folder backs the cache (the rest is read per epoch). */
export const MEMORY_BUDGET_BYTES = 1 << 30;

export class FeatureCache {
  private readonly memory = new Map<string, Float32Array>();
  private memoryBytes = 0;
  private shapes = new Map<number, number[]>();
  computed = 0;

  constructor(
    private readonly backbone: Backbone,
    /** Folder for on-disk entries, already specific to the weights (e.g. cache/features/<key>). */
    private readonly dir: string | null = null,
  ) {}

  /** Prefix outputs of `prefix` groups for the batch of image ids, as one tensor [B, ...]. */
  batch(prefix: number, ids: number[], pixels: (id: number) => Float32Array): tf.Tensor {
    const found = ids.map((id) => this.lookup(prefix, id));
    const missing = ids.filter((_, i) => !found[i]);
    const computed = missing.length ? this.compute(prefix, missing, pixels) : new Map<number, Float32Array>();
    const rows = ids.map((id, i) => found[i] ?? computed.get(id)!);
    const shape = this.shapes.get(prefix)!;
    const flat = new Float32Array(rows.length * rows[0].length);
    rows.forEach((r, i) => flat.set(r, i * r.length));
    return tf.tensor(flat, [ids.length, ...shape]);
  }

  private key(prefix: number, id: number): string {
    return `${prefix}:${id}`;
  }

  private file(prefix: number, id: number): string | null {
    if (!this.dir) return null;
    const size = this.backbone.imageSize;
    return join(this.dir, `${this.backbone.arch}-${size}px-g${prefix}`, `${id}.f32`);
  }

  private lookup(prefix: number, id: number): Float32Array | undefined {
    const hit = this.memory.get(this.key(prefix, id));
    const file = this.file(prefix, id);
    if (hit || !file || !existsSync(file)) return hit;
    if (!this.shapes.has(prefix)) this.shapes.set(prefix, JSON.parse(readFileSync(join(file, '..', 'shape.json'), 'utf8')));
    const buf = readFileSync(file);
    const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    this.remember(prefix, id, data);
    return data;
  }

  private compute(prefix: number, ids: number[], pixels: (id: number) => Float32Array): Map<number, Float32Array> {
    const result = new Map<number, Float32Array>();
    const s = this.backbone.imageSize;
    const chunk = 16;
    for (let i = 0; i < ids.length; i += chunk) {
      const part = ids.slice(i, i + chunk);
      const out = tf.tidy(() => {
        const flat = new Float32Array(part.length * s * s * 3);
        part.forEach((id, j) => flat.set(pixels(id), j * s * s * 3));
        return this.backbone.runGroups(tf.tensor4d(flat, [part.length, s, s, 3]), 0, prefix, { training: false });
      });
      this.shapes.set(prefix, out.shape.slice(1));
      if (this.dir) this.saveShape(prefix, out.shape.slice(1));
      const data = out.dataSync() as Float32Array;
      out.dispose();
      const per = data.length / part.length;
      part.forEach((id, j) => {
        const row = data.slice(j * per, (j + 1) * per);
        result.set(id, row);
        this.store(prefix, id, row);
      });
      this.computed += part.length;
    }
    return result;
  }

  private saveShape(prefix: number, shape: number[]): void {
    const dir = join(this.file(prefix, 0)!, '..');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'shape.json'), JSON.stringify(shape));
  }

  /** Keep in memory: always without a disk folder, within the budget with one (big datasets stream from disk). */
  private remember(prefix: number, id: number, data: Float32Array): void {
    if (this.dir && this.memoryBytes + data.byteLength > MEMORY_BUDGET_BYTES) return;
    this.memory.set(this.key(prefix, id), data);
    this.memoryBytes += data.byteLength;
  }

  private store(prefix: number, id: number, data: Float32Array): void {
    this.remember(prefix, id, data);
    const file = this.file(prefix, id);
    if (!file) return;
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(`${file}.tmp`, data);
    renameSync(`${file}.tmp`, file);
  }
}
