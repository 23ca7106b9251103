import { fileURLToPath } from 'node:url';

/**
 * Absolute path of a file in the shared fixtures (../shared/fixtures next to the repository), e.g.
 * `backbones/resnet18/model.safetensors`. Tests read them in place; they are never copied in.
 */
export function sharedFixture(relative: string): string {
  return fileURLToPath(new URL(`../../../../shared/fixtures/${relative}`, import.meta.url));
}
