import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What a job folder gets besides its data: the runner and its helper package. */
export const RUNNER_FILES = ['train.py', 'labeltune_job'] as const;

/**
 * The folder holding train.py and labeltune_job/ (the plain-Python job runner). From the sources it
 * is this file's folder; in the bundled app electron/build.mjs copies both to out/main/scale-out/,
 * beside the bundle that imports this.
 */
export function jobRunnerDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [here, join(here, 'scale-out')];
  const found = candidates.find((d) => RUNNER_FILES.every((f) => existsSync(join(d, f))));
  if (!found) throw new Error(`train.py and labeltune_job/ are missing from this installation (looked in ${candidates.join(', ')}); reinstall LabelTune.`);
  return found;
}
