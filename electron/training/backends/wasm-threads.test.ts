import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ActiveWasm } from './wasm-backend.ts';
import { defaultWasmThreads } from './wasm-backend.ts';

/**
 * A process initialises wasm once, with one thread count, so each case runs the probe
 * (testing/wasm-threads-probe.ts) in a fresh Node process: one small ResNet training step's loss
 * and gradients, compared between the single-threaded and the threaded binary.
 */
const PROBE = fileURLToPath(new URL('./testing/wasm-threads-probe.ts', import.meta.url));

interface Probe {
  features: ActiveWasm;
  loss: number;
  names: string[];
  values: number[];
}

function probe(threads: number, startTimeoutMs?: number): Probe {
  const args = ['--import', 'tsx', PROBE, String(threads), ...(startTimeoutMs ? [String(startTimeoutMs)] : [])];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 90_000 });
  if (r.status !== 0) throw new Error(`probe with ${threads} thread(s) failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Probe;
}

function maxAbsDiff(a: number[], b: number[]): number {
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

describe('multi-threaded wasm under Node', () => {
  const single = probe(1);

  it('runs XNNPACK on 2 threads with the threaded binary and matches the single-threaded step within 1e-5', () => {
    const threaded = probe(2);
    expect(single.features).toMatchObject({ threads: false, threadCount: 1, threadNote: '', binary: 'tfjs-backend-wasm-simd.wasm' });
    expect(threaded.features).toMatchObject({ threads: true, threadCount: 2, threadNote: '', binary: 'tfjs-backend-wasm-threaded-simd.wasm' });
    expect(threaded.names).toEqual(single.names);
    expect(threaded.values.length).toBe(single.values.length);
    expect(single.values.length).toBeGreaterThan(5_000);
    expect(Math.abs(threaded.loss - single.loss)).toBeLessThan(1e-5);
    expect(maxAbsDiff(threaded.values, single.values)).toBeLessThan(1e-5);
  });

  it('falls back to one thread, saying why, when the pthread workers do not start in time', () => {
    const fallback = probe(2, 1);
    expect(fallback.features.threadCount).toBe(1);
    expect(fallback.features.threads).toBe(false);
    expect(fallback.features.threadNote).toMatch(/did not start: its 8 pthread workers did not start within 0.001 s; running on 1 thread instead of 2/);
    expect(maxAbsDiff(fallback.values, single.values)).toBe(0);
  });

  it('asks for threads only through LABELTUNE_WASM_THREADS, capped by cores and the pool of 8', () => {
    expect(defaultWasmThreads({})).toBe(1);
    expect(defaultWasmThreads({ LABELTUNE_WASM_THREADS: '1' })).toBe(1);
    expect(defaultWasmThreads({ LABELTUNE_WASM_THREADS: 'many' })).toBe(1);
    expect(defaultWasmThreads({ LABELTUNE_WASM_THREADS: '2' })).toBe(Math.min(2, availableParallelism()));
    expect(defaultWasmThreads({ LABELTUNE_WASM_THREADS: '64' })).toBe(Math.min(8, availableParallelism()));
  });
});
