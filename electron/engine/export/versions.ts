import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { appPackage } from '../app-files.ts';

const require = createRequire(import.meta.url);

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** Versions recorded in model cards, so that a result can be traced to the software that made it. */
export function versions(): Record<string, string> {
  return {
    labeltune: appPackage().version,
    node: process.versions.node,
    '@tensorflow/tfjs': packageVersion('@tensorflow/tfjs'),
    'onnxruntime-node': packageVersion('onnxruntime-node'),
  };
}
