import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { validation } from '../../../shared/contract/errors.ts';
import { type Cut, INPUT_CUT, cutName } from '../backbones/arch-graph.ts';
import type { Backbone } from '../backbones/types.ts';

/** Height and width of the images fed to a backbone: its square imageSize, or any H x W a ResNet takes. */
export type ImageShape = readonly [height: number, width: number];

/** Per-image NHWC pixels (height x width x 3 each) stacked into one [N, H, W, 3] batch. */
export function stackImages(ids: readonly number[], pixels: (id: number) => Float32Array, [h, w]: ImageShape): tf.Tensor4D {
  const per = h * w * 3;
  const flat = new Float32Array(ids.length * per);
  ids.forEach((id, j) => {
    const px = pixels(id);
    if (px.length !== per) throw validation(`Image ${id} has ${px.length} pixel values but ${h}×${w}×3 needs ${per}: the images of a batch must share one size.`);
    flat.set(px, j * per);
  });
  return tf.tensor4d(flat, [ids.length, h, w, 3]);
}

/** Bytes of features kept in memory when a disk folder backs the cache (the rest is read per epoch). */
export const MEMORY_BUDGET_BYTES = 1 << 30;

/**
 * Outputs of a frozen prefix of the network (everything before a cut: whole groups, up to a block
 * of a partly trained group, or into a block whose last layers train), computed once per image and
 * reused every epoch while augmentation is off: with `top` on a ResNet, training then runs only
 * the last convolution, the residual sum and the head.
 * Kept in memory, and on disk under `dir` (per image and input size) when a folder is given, so a
 * resumed or repeated run skips the work too. Frozen ops run in eval mode, so the cache is exact.
 */
export class FeatureCache {
  private readonly memory = new Map<string, Float32Array>();
  private memoryBytes = 0;
  /** Output shape (without N) per slot: a cut at an input size. */
  private shapes = new Map<string, number[]>();
  computed = 0;

  constructor(
    private readonly backbone: Backbone,
    /** Folder for on-disk entries, already specific to the weights (e.g. cache/features/<key>). */
    private readonly dir: string | null = null,
  ) {}

  /**
   * Outputs of the prefix before `cut` for the batch of image ids, as one tensor [B, ...]. The
   * images are `shape` (default: the backbone's square imageSize); each shape has its own entries.
   */
  async batch(cut: Cut, ids: number[], pixels: (id: number) => Float32Array, shape?: ImageShape): Promise<tf.Tensor> {
    const input = shape ?? [this.backbone.imageSize, this.backbone.imageSize];
    const slot = this.slot(cut, input);
    const found = ids.map((id) => this.lookup(slot, id));
    const missing = ids.filter((_, i) => !found[i]);
    const computed = missing.length ? await this.compute(cut, slot, missing, pixels, input) : new Map<number, Float32Array>();
    const rows = ids.map((id, i) => found[i] ?? computed.get(id)!);
    const flat = new Float32Array(rows.length * rows[0].length);
    rows.forEach((r, i) => flat.set(r, i * r.length));
    return tf.tensor(flat, [ids.length, ...this.shapes.get(slot)!]);
  }

  /** The ids among `ids` without an entry for `cut` at `shape` (in memory or on disk). */
  missing(cut: Cut, ids: readonly number[], shape?: ImageShape): number[] {
    const slot = this.slot(cut, shape ?? [this.backbone.imageSize, this.backbone.imageSize]);
    return ids.filter((id) => !this.lookup(slot, id));
  }

  /**
   * Entries computed outside TF.js (the model host's onnxruntime pass): `data` holds one row per id
   * of the prefix output, laid out as TF.js gives it (NHWC maps, [T, D] tokens), each `rowShape`.
   */
  put(cut: Cut, ids: readonly number[], data: Float32Array, rowShape: number[], shape?: ImageShape): void {
    const slot = this.slot(cut, shape ?? [this.backbone.imageSize, this.backbone.imageSize]);
    const per = rowShape.reduce((a, b) => a * b, 1);
    if (data.length !== per * ids.length) throw new Error(`feature rows: ${data.length} values for ${ids.length} images of [${rowShape}]`);
    this.shapes.set(slot, rowShape);
    if (this.dir) this.saveShape(slot, rowShape);
    ids.forEach((id, j) => this.store(slot, id, data.slice(j * per, (j + 1) * per)));
    this.computed += ids.length;
  }

  /**
   * The entries of one cut at one input size; also the folder name on disk (square sizes keep
   * their old `<S>px` name, group boundaries their old `g<group>`; cuts inside one add `.<op>[.<body op>]`).
   */
  private slot(cut: Cut, [h, w]: ImageShape): string {
    return `${this.backbone.arch}-${h === w ? `${h}px` : `${h}x${w}px`}-g${cutName(cut)}`;
  }

  private file(slot: string, id: number): string | null {
    return this.dir ? join(this.dir, slot, `${id}.f32`) : null;
  }

  private lookup(slot: string, id: number): Float32Array | undefined {
    const hit = this.memory.get(`${slot}:${id}`);
    const file = this.file(slot, id);
    if (hit || !file || !existsSync(file)) return hit;
    if (!this.shapes.has(slot)) this.shapes.set(slot, JSON.parse(readFileSync(join(file, '..', 'shape.json'), 'utf8')));
    const buf = readFileSync(file);
    const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    this.remember(slot, id, data);
    return data;
  }

  private async compute(cut: Cut, slot: string, ids: number[], pixels: (id: number) => Float32Array, input: ImageShape): Promise<Map<number, Float32Array>> {
    const result = new Map<number, Float32Array>();
    const chunk = 16;
    for (let i = 0; i < ids.length; i += chunk) {
      const part = ids.slice(i, i + chunk);
      const out = tf.tidy(() => this.backbone.runBetween(stackImages(part, pixels, input), INPUT_CUT, cut, { training: false }));
      this.shapes.set(slot, out.shape.slice(1));
      if (this.dir) this.saveShape(slot, out.shape.slice(1));
      const data = (await out.data()) as Float32Array;
      out.dispose();
      const per = data.length / part.length;
      part.forEach((id, j) => {
        const row = data.slice(j * per, (j + 1) * per);
        result.set(id, row);
        this.store(slot, id, row);
      });
      this.computed += part.length;
    }
    return result;
  }

  private saveShape(slot: string, shape: number[]): void {
    const dir = join(this.dir!, slot);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'shape.json'), JSON.stringify(shape));
  }

  /** Keep in memory: always without a disk folder, within the budget with one (big datasets stream from disk). */
  private remember(slot: string, id: number, data: Float32Array): void {
    if (this.dir && this.memoryBytes + data.byteLength > MEMORY_BUDGET_BYTES) return;
    this.memory.set(`${slot}:${id}`, data);
    this.memoryBytes += data.byteLength;
  }

  private store(slot: string, id: number, data: Float32Array): void {
    this.remember(slot, id, data);
    const file = this.file(slot, id);
    if (!file) return;
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(`${file}.tmp`, data);
    renameSync(`${file}.tmp`, file);
  }
}
