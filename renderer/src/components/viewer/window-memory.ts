import type { WindowLevel } from './window-level.ts';

/**
 * The window/level the user chose per image, kept while the app runs so that going back to an
 * image shows it as it was left. Keyed by the pixel hash: the same pixels in another project (or a
 * reloaded list) find it too.
 */
const chosen = new Map<string, WindowLevel | null>();

export function rememberedWindow(hash: string): WindowLevel | null {
  return chosen.get(hash) ?? null;
}

export function rememberWindow(hash: string, window: WindowLevel | null): void {
  if (window === null) chosen.delete(hash);
  else chosen.set(hash, window);
}
