import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * train.py, the plain-Python job runner. From the sources it sits next to this file; in the bundled
 * app electron/build.mjs copies it to out/main/scale-out/train.py, beside the bundle that imports this.
 */
export function trainScriptPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'train.py'), join(here, 'scale-out', 'train.py')];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`train.py is missing from this installation (looked in ${candidates.join(', ')}); reinstall LabelTune.`);
  return found;
}
