import * as tf from '@tensorflow/tfjs';
import { type BackendWasm, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { registerWasmTrainingKernels, type WasmKernelOptions } from './wasm-kernels.ts';
import { WASM_MAX_THREADS, initThreadedWasm, resetToSingleThread } from './wasm-threads.ts';

export interface WasmFeatures {
  simd: boolean;
  /** Whether the active binary runs XNNPACK on a thread pool (see wasm-threads.ts). */
  threads: boolean;
  /** The .wasm binary TF.js loads for these features. */
  binary: string;
}

/** What activateWasm got, beyond the runtime's features. */
export interface ActiveWasm extends WasmFeatures {
  /** XNNPACK threads actually running (1 when single-threaded). */
  threadCount: number;
  /** Why wasm runs on fewer threads than asked for; empty when it got them. */
  threadNote: string;
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
 * Threads to ask for: LABELTUNE_WASM_THREADS (capped at the cores this process may use and the
 * pool size of TF.js's threaded binary), else 1. Threads stay opt-in: on a 2-core machine two
 * threads made the ResNet step 10-20% faster with the second core free but 2-3x slower when
 * another job held it (docs/benchmarks.md, "wasm threads under Node").
 */
export function defaultWasmThreads(env: Record<string, string | undefined> = process.env): number {
  const asked = Number(env.LABELTUNE_WASM_THREADS);
  if (!Number.isInteger(asked) || asked <= 1) return 1;
  return Math.min(asked, availableParallelism(), WASM_MAX_THREADS);
}

export interface ActivateWasmOptions extends WasmKernelOptions {
  /** XNNPACK threads (default: defaultWasmThreads()). Only the first initialisation decides. */
  threads?: number;
  /** How long the pthread workers may take to start before falling back to one thread. */
  threadStartTimeoutMs?: number;
}

/** Starts wasm threaded when asked for more than one thread, else (or when that fails) single-threaded. */
async function initialise(threads: number, timeoutMs: number): Promise<string> {
  if (threads <= 1) return '';
  let note = '';
  try {
    if (await initThreadedWasm(threads, { dir: wasmBinaryDir(), file: join(wasmBinaryDir(), 'tf-backend-wasm.node.js') }, timeoutMs)) return '';
    note = 'the threaded wasm binary did not initialise (see the TF.js warning above)';
  } catch (e) {
    note = `the threaded wasm binary did not start: ${(e as Error).message}`;
  }
  resetToSingleThread();
  process.stderr.write(`wasm: ${note}; training on 1 thread instead of ${threads}\n`);
  return `${note}; running on 1 thread instead of ${threads}`;
}

/**
 * Makes wasm the active backend, able to train: the binaries come from node_modules (no fetch),
 * the gradient kernels wasm lacks are registered first, by default wasm's scalar
 * Conv2DBackpropInput is replaced by the XNNPACK-based one (measured faster, docs/benchmarks.md),
 * and XNNPACK runs on `threads` threads; if the threaded binary cannot start, wasm runs on one
 * thread and says why (threadNote, and a line on stderr).
 */
export async function activateWasm(opts: ActivateWasmOptions = { replaceSlowKernels: true }): Promise<ActiveWasm> {
  if (!pathsSet) {
    setWasmPaths(`${wasmBinaryDir()}/`);
    pathsSet = true;
  }
  registerWasmTrainingKernels(opts);
  const threads = opts.threads ?? defaultWasmThreads();
  // Once initialised, the backend keeps its binary and pool; asking again changes nothing.
  const fresh = !('wasm' in tf.engine().registry);
  let threadNote = fresh ? await initialise(threads, opts.threadStartTimeoutMs ?? 30_000) : '';
  const ok = await tf.setBackend('wasm');
  if (!ok) throw new Error(`The wasm backend did not initialise (binaries looked up in ${wasmBinaryDir()}).`);
  await tf.ready();
  // Read from the active backend: a threaded start that timed out may still finish later and
  // overwrite the module-wide count TF.js's getThreadsCount() returns.
  const threadCount = (tf.backend() as BackendWasm).wasm.tfjs.getThreadsCount();
  if (!fresh && threadCount < threads) threadNote = `wasm was already initialised with ${threadCount} thread(s) in this process`;
  return { ...(await wasmFeatures()), threadCount, threadNote };
}
