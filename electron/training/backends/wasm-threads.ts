import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { resolveObjectURL } from 'node:buffer';
import os from 'node:os';
import { Worker as NodeWorker, type WorkerOptions } from 'node:worker_threads';

/**
 * Multi-threaded wasm (XNNPACK on a pthread pool) under Node, without patching node_modules.
 * TF.js 4.22 turns it off in Node (WASM_HAS_MULTITHREAD_SUPPORT is false, tfjs issue #3830)
 * because its emscripten glue starts each pthread as `new Worker(blob:...)` and Node 20's
 * worker_threads refuse blob: URLs (ERR_WORKER_PATH). Three shims make it work:
 *  1. `globalThis.Worker` (which the glue assigns and then calls) answers blob: URLs with a Node
 *     worker that evaluates the blob's text: TF.js's own pthread worker script.
 *  2. That script then loads the main emscripten script from another Blob (mainScriptUrlOrBlob),
 *     again through a blob: URL; the bootstrap below reads the Blob and evaluates it instead, with
 *     the few module-scope names of TF.js's Node bundle the factory's source refers to.
 *  3. TF.js caps the pool at logical cores / 2 (it assumes two hyper-threads per core), which is
 *     one thread on a 2-vCPU machine; os.cpus() reports twice the cores during initialisation so
 *     the cap is the machine's cores.
 */

/** The pthread pool size TF.js's threaded binary was built with (more threads are refused). */
export const WASM_MAX_THREADS = 8;

const MAIN_SCRIPT = 'labeltune:wasm-main-script';

/** Runs in each pthread worker (CommonJS, `eval: true`). */
const BOOTSTRAP = String.raw`
const { workerData } = require('worker_threads');
Object.assign(globalThis, {
  require$$0: require('fs'), require$$1: require('path'), require$$3: require('perf_hooks'), require$$4: require('os'),
  commonjsGlobal: globalThis, __dirname: workerData.dir, __filename: workerData.file, _scriptDir: workerData.file,
});
workerData.script.text().then((source) => {
  (0, eval)(source);
  const handle = globalThis.onmessage;
  let queue = Promise.resolve();
  // Messages are handled in order; the 'load' one waits for the main script's Blob to be read.
  globalThis.onmessage = (e) => {
    queue = queue.then(async () => {
      const d = e.data;
      if (d && d.cmd === 'load' && typeof d.urlOrBlob !== 'string') {
        const main = await d.urlOrBlob.text();
        const importScripts = globalThis.importScripts;
        globalThis.importScripts = (f) => (f === '${MAIN_SCRIPT}' ? (0, eval)(main) : importScripts(f));
        d.urlOrBlob = '${MAIN_SCRIPT}';
      }
      handle(e);
    });
  };
});
`;

/** Where the TF.js wasm bundle lives (the glue derives its script directory from it). */
export interface WasmBundle {
  dir: string;
  file: string;
}

function blobUrlWorkerClass(bundle: WasmBundle): typeof NodeWorker {
  return class BlobUrlWorker extends NodeWorker {
    /** A pthread pool worker of TF.js (started from a blob: URL); every other Worker is left as Node made it. */
    private pool = false;

    constructor(url: string | URL, options?: WorkerOptions) {
      const href = String(url);
      if (!href.startsWith('blob:')) {
        super(url, options);
        return;
      }
      const script = resolveObjectURL(href);
      if (!script) throw new Error(`the pthread worker script ${href} is no longer registered`);
      super(BOOTSTRAP, { eval: true, workerData: { script, ...bundle } });
      this.pool = true;
      // Idle pool threads must not keep the trainer (or a test worker) alive after its work is done.
      this.unref();
    }

    // The glue refs a worker when it starts a pthread on it, and adding a 'message' listener refs
    // its port: XNNPACK's pool threads run for the life of the process, so either would keep it
    // from ever exiting on its own. The main thread drives all their work synchronously, so they
    // never need to hold the process open.
    override ref(): void {
      if (!this.pool) super.ref();
    }

    override on(event: string | symbol, listener: (...args: any[]) => void): this {
      super.on(event, listener);
      if (this.pool && event === 'message') this.unref();
      return this;
    }
  };
}

let installed: typeof NodeWorker | null = null;

/** Installs shim 1 for good: the pool may grow after initialisation. Other Workers are unaffected. */
function installWorkerShim(bundle: WasmBundle): void {
  if (installed) return;
  installed = blobUrlWorkerClass(bundle);
  const cls = installed;
  // The glue runs `commonjsGlobal.Worker = require('worker_threads').Worker` before creating its
  // workers; the setter ignores that so the name keeps resolving to the shim.
  Object.defineProperty(globalThis, 'Worker', { configurable: true, get: () => cls, set: () => {} });
}

/** Runs `init` while os.cpus() lists every core twice (shim 3). */
async function withUnhalvedCores<T>(init: () => Promise<T>): Promise<T> {
  const cpus = os.cpus;
  os.cpus = () => [...cpus(), ...cpus()];
  try {
    return await init();
  } finally {
    os.cpus = cpus;
  }
}

/**
 * Asks TF.js for the threaded SIMD binary with `threads` XNNPACK threads and initialises wasm.
 * Resolves to whether tf.setBackend('wasm') succeeded; rejects after `timeoutMs` if the pthread
 * workers never report in.
 */
export async function initThreadedWasm(threads: number, bundle: WasmBundle, timeoutMs: number): Promise<boolean> {
  installWorkerShim(bundle);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(Math.min(threads, WASM_MAX_THREADS));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`its ${WASM_MAX_THREADS} pthread workers did not start within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    return await withUnhalvedCores(() => Promise.race([tf.setBackend('wasm'), timeout]));
  } finally {
    clearTimeout(timer);
  }
}

/** Puts TF.js back on the single-threaded binary for the next initialisation. */
export function resetToSingleThread(): void {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  setThreadsCount(1);
}
