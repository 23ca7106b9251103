import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeFile } from '../../imaging/decode/index.ts';
import type { PreprocessConfig } from '../preprocess/preprocess.ts';
import { preprocessImage } from '../preprocess/preprocess.ts';
import type { ManifestItem } from '../../../shared/contract/model-host.ts';

/**
 * Preprocessed pixels for the trainer: decoded and normalised once per image and input size, then
 * kept as raw float32 under the project's cache/ so later epochs, resumes and runs skip decoding.
 */
export class PixelStore {
  private readonly memory = new Map<number, Float32Array>();
  private readonly dir: string;

  constructor(
    cacheDir: string,
    private readonly config: PreprocessConfig,
  ) {
    // Keyed by the whole preprocessing (size, crop, mean/std, window), so a change never reuses stale pixels.
    const key = createHash('sha1').update(JSON.stringify(config)).digest('hex').slice(0, 12);
    this.dir = join(cacheDir, 'pixels', `${config.size}px-${key}`);
  }

  /** Load every item (from the cache or by decoding), reporting progress. */
  async load(items: ManifestItem[], onProgress: (done: number) => void): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    let done = 0;
    for (const item of items) {
      this.memory.set(item.id, await this.loadOne(item));
      onProgress(++done);
    }
  }

  get(id: number): Float32Array {
    const px = this.memory.get(id);
    if (!px) throw new Error(`image ${id} was not loaded`);
    return px;
  }

  private async loadOne(item: ManifestItem): Promise<Float32Array> {
    const file = join(this.dir, `${item.id}-${item.frame}.f32`);
    if (existsSync(file)) {
      const buf = readFileSync(file);
      return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    }
    const { frames } = await decodeFile(item.path, { frame: item.frame });
    const px = preprocessImage(frames[0], this.config);
    writeFileSync(`${file}.tmp`, px);
    renameSync(`${file}.tmp`, file);
    return px;
  }
}
