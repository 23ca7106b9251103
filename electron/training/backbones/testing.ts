import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { activateWasm } from '../backends/wasm-backend.ts';
import { readNpy, type NpyArray } from '../../weights/npy.ts';
export { maxRowRelErr } from '../../weights/testing/fixtures.ts';
import { nchwToNhwc as nchwTensor } from './ops.ts';

/** Test helpers for the backbones: the backend, the shared reference fixtures, the parity metric. */

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** ../shared/fixtures/backbones next to the repository: read in place, never copied. */
export const FIXTURE_DIR = resolve(repoRoot, '../shared/fixtures/backbones');

/**
 * wasm (XNNPACK), as CI has it: 10-30x faster than the pure-JS cpu backend, and parity is checked
 * at the same 1e-4 tolerance. LABELTUNE_TEST_BACKEND=cpu runs the suite on the reference backend.
 */
export async function useTestBackend(): Promise<void> {
  if (process.env.LABELTUNE_TEST_BACKEND === 'cpu') {
    await tf.setBackend('cpu');
    await tf.ready();
  } else {
    await activateWasm();
  }
}

/** float32 NCHW (PyTorch) .npy → NHWC tensor. */
export function nchwToNhwc(a: NpyArray): tf.Tensor4D {
  return nchwTensor(a.data, a.shape);
}

export interface Fixture {
  dir: string;
  meta: { timm_name: string; num_classes: number; input_shape: number[]; feature_dim: number };
  input: NpyArray;
  logits: NpyArray;
  features: NpyArray;
  weights: string;
}

export async function readFixture(name: string): Promise<Fixture> {
  const dir = join(FIXTURE_DIR, name);
  return {
    dir,
    meta: JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')),
    input: await readNpy(join(dir, 'input.npy')),
    logits: await readNpy(join(dir, 'logits.npy')),
    features: await readNpy(join(dir, 'features.npy')),
    weights: join(dir, 'model.safetensors'),
  };
}
