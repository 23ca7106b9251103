import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { registerWasmTrainingKernels, type WasmKernelOptions } from './wasm-kernels.ts';

export interface WasmFeatures {
  simd: boolean;
  /** TF.js disables wasm threads under Node (tfjs issue #3830): XNNPACK runs on one thread. */
  threads: boolean;
  /** The .wasm binary TF.js loads for these features. */
  binary: string;
}

/** Folder of the .wasm binaries inside the installed @tensorflow/tfjs-backend-wasm. */
export function wasmBinaryDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
}

let pathsSet = false;

/** What this runtime supports; the same flags TF.js reads to pick a binary. */
export async function wasmFeatures(): Promise<WasmFeatures> {
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const threads = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
  const binary = simd && threads ? 'tfjs-backend-wasm-threaded-simd.wasm' : simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm';
  return { simd, threads, binary };
}

/**
 * Makes wasm the active backend, able to train: the binaries come from node_modules (no fetch),
 * the gradient kernels wasm lacks are registered first, and by default wasm's scalar
 * Conv2DBackpropInput is replaced by the XNNPACK-based one (measured faster, docs/benchmarks.md).
 */
export async function activateWasm(opts: WasmKernelOptions = { replaceSlowKernels: true }): Promise<WasmFeatures> {
  if (!pathsSet) {
    setWasmPaths(`${wasmBinaryDir()}/`);
    pathsSet = true;
  }
  registerWasmTrainingKernels(opts);
  const ok = await tf.setBackend('wasm');
  if (!ok) throw new Error(`The wasm backend did not initialise (binaries looked up in ${wasmBinaryDir()}).`);
  await tf.ready();
  return wasmFeatures();
}
