import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { validation } from '../../shared/contract/errors.ts';
import { pretrainedConfig } from '../../shared/architectures/index.ts';

/**
 * The weight cache: `<LabelTune home>/weights/<repo>/<file>` plus `index.json`, which records
 * where each file came from and its sha256 (computed once, while downloading or copying), so a
 * later check does not re-hash 350 MB.
 */

export interface CacheEntry {
  /** Hugging Face repo id the file belongs to (for imports: the catalog's repo for the arch). */
  repo: string;
  file: string;
  /** timm name the file is for, when known. */
  arch: string | null;
  sha256: string;
  size: number;
  source: 'download' | 'import';
  /** Download URL or the imported file's original path. */
  origin: string;
  addedAt: string;
}

interface IndexFile {
  version: 1;
  entries: Record<string, CacheEntry>;
}

export class WeightCache {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** The cache of a LabelTune home folder. */
  static forHome(homeDir: string): WeightCache {
    return new WeightCache(join(homeDir, 'weights'));
  }

  /** Where `repo`/`file` lives in the cache (the folder is created on demand by writers). */
  pathFor(repo: string, file: string): string {
    checkSegment(repo, 'repository id');
    checkSegment(file, 'file name');
    return join(this.dir, ...repo.split('/'), ...file.split('/'));
  }

  /** The recorded entry, if the file is still there with the recorded size. */
  get(repo: string, file: string): CacheEntry | null {
    const entry = this.read().entries[key(repo, file)];
    if (!entry) return null;
    const path = this.pathFor(repo, file);
    return existsSync(path) && statSync(path).size === entry.size ? entry : null;
  }

  list(): CacheEntry[] {
    return Object.values(this.read().entries).filter((e) => this.get(e.repo, e.file) !== null);
  }

  record(entry: CacheEntry): void {
    const index = this.read();
    index.entries[key(entry.repo, entry.file)] = entry;
    mkdirSync(this.dir, { recursive: true });
    // Write then rename: a crash mid-write must not leave a half index that forgets every file.
    const tmp = join(this.dir, `index.json.${process.pid}.tmp`);
    writeFileSync(tmp, JSON.stringify(index, null, 2));
    renameSync(tmp, join(this.dir, 'index.json'));
  }

  private read(): IndexFile {
    try {
      const parsed = JSON.parse(readFileSync(join(this.dir, 'index.json'), 'utf8')) as IndexFile;
      if (parsed?.version === 1 && typeof parsed.entries === 'object' && parsed.entries) return parsed;
    } catch {
      // No index yet, or a damaged one: files without an entry are simply re-downloaded or re-imported.
    }
    return { version: 1, entries: {} };
  }
}

function key(repo: string, file: string): string {
  return `${repo}/${file}`;
}

/** Repo ids and file names become paths: refuse anything that could climb out of the cache. */
function checkSegment(value: string, what: string): void {
  const parts = value.split('/');
  if (!value || value.startsWith('/') || value.includes('\\') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw validation(`Invalid ${what} "${value}": use the form shown on Hugging Face, e.g. timm/resnet50.a1_in1k and model.safetensors.`);
  }
}

/** Path of the cached pretrained weights of `arch` (downloaded or imported), or null. */
export function cachedWeightsFor(cache: WeightCache, arch: string): string | null {
  const { repo, file } = pretrainedConfig(arch).weights;
  return cache.get(repo, file) ? cache.pathFor(repo, file) : null;
}

/** sha256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function ensureDirFor(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
}
