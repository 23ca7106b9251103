import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, renameSync, rmSync, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { validation } from '../../../shared/contract/errors.ts';
import { pretrainedConfig } from '../backbones/pretrained.ts';
import { type CacheEntry, type WeightCache, ensureDirFor } from './cache.ts';
import { SafetensorsFile } from './safetensors.ts';

/** A tensor every timm checkpoint of the family has: a cheap check that the file is for this arch. */
const FAMILY_MARKER = { resnet: 'conv1.weight', vit: 'patch_embed.proj.weight' } as const;

export interface ImportResult {
  path: string;
  entry: CacheEntry;
  /** null when the catalog pins no sha256 for this arch; false when the file is another version. */
  matchesCatalog: boolean | null;
}

/**
 * Offline import (hospital workstations are often offline): validate a .safetensors file the user
 * already has, copy it into the cache where a download of `arch` would go, and record its sha256.
 */
export async function importWeightsFile(path: string, arch: string, cache: WeightCache): Promise<ImportResult> {
  const cfg = pretrainedConfig(arch);
  await checkFile(path, arch, FAMILY_MARKER[cfg.family], cfg.featureDim);
  const dest = cache.pathFor(cfg.weights.repo, cfg.weights.file);
  ensureDirFor(dest);
  const tmp = `${dest}.import`;
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  try {
    await pipeline(createReadStream(path), tap, createWriteStream(tmp));
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

async function checkFile(path: string, arch: string, marker: string, featureDim: number): Promise<void> {
  const file = await SafetensorsFile.open(path);
  try {
    if (!file.tensors.has(marker)) {
      throw validation(`${path} does not look like ${arch} weights (it has no "${marker}" tensor). Choose the architecture the file was saved from.`);
    }
    // The classifier's input width is the feature width: it tells resnet18 from resnet50, vit_tiny from vit_base.
    const width = file.tensors.get('fc.weight')?.shape[1] ?? file.tensors.get('head.weight')?.shape[1] ?? file.tensors.get('cls_token')?.shape[2];
    if (width !== undefined && width !== featureDim) {
      throw validation(`${path} has ${width}-wide features but ${arch} has ${featureDim}: the file is for another architecture.`);
    }
    const saved = file.metadata.arch;
    if (saved && saved !== arch) {
      throw validation(`${path} was saved from ${saved}, not ${arch}. Import it with --arch ${saved}.`);
    }
  } finally {
    await file.close();
  }
}
