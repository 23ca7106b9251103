import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, renameSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { validation } from '../../shared/contract/errors.ts';
import { pretrainedConfig } from '../../shared/architectures/index.ts';
import { type CacheEntry, type WeightCache, ensureDirFor } from './cache.ts';

/**
 * Checks that `path` holds complete, finite weights of `arch` and throws `validation` naming the file,
 * the tensor and the fix otherwise. The expected tensor shapes come from the architecture's layout,
 * which the ML library owns: the engine runs the model host's `checkWeights`, the model host
 * `checkWeightsFile` (electron/training/weights/check-weights.ts).
 */
export type WeightsCheck = (path: string, arch: string) => Promise<void>;

export interface ImportResult {
  path: string;
  entry: CacheEntry;
  /** null when the catalog pins no sha256 for this arch; false when the file is another version. */
  matchesCatalog: boolean | null;
}

/**
 * Offline import (hospital workstations are often offline): check a .safetensors file the user
 * already has against the architecture (`check`) before anything in the cache changes,
 * then copy it beside the cache slot of `arch` and rename it into place, so the cached file is
 * either the old one or the new one, never a mix, and record its sha256.
 */
export async function importWeightsFile(path: string, arch: string, cache: WeightCache, check: WeightsCheck): Promise<ImportResult> {
  const cfg = pretrainedConfig(arch);
  await check(path, arch);
  const dest = cache.pathFor(cfg.weights.repo, cfg.weights.file);
  ensureDirFor(dest);
  const tmp = `${dest}.${process.pid}.import.tmp`;
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  try {
    await pipeline(createReadStream(path), tap, createWriteStream(tmp));
    // On disk before the rename: after a power cut the slot holds the old file or the whole new one.
    const handle = await open(tmp, 'r+');
    await handle.sync();
    await handle.close();
    renameSync(tmp, dest);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw validation(`${path}: copying into the weight cache failed (${(e as Error).message}). Check free disk space in ${cache.dir}.`);
  }
  const sha256 = hash.digest('hex');
  const entry: CacheEntry = {
    repo: cfg.weights.repo,
    file: cfg.weights.file,
    arch,
    sha256,
    size: statSync(dest).size,
    source: 'import',
    origin: path,
    addedAt: new Date().toISOString(),
  };
  cache.record(entry);
  return { path: dest, entry, matchesCatalog: cfg.weights.sha256 ? cfg.weights.sha256 === sha256 : null };
}
