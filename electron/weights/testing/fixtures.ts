import { fileURLToPath } from 'node:url';

/**
 * Absolute path of a file in the shared backbone fixtures (../shared/fixtures/backbones next to the
 * repository). Tests read them in place; fixtures are never copied into the repository.
 */
export function fixturePath(relative: string): string {
  return fileURLToPath(new URL(`../../../../shared/fixtures/backbones/${relative}`, import.meta.url));
}
