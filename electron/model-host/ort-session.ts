import { availableParallelism, loadavg } from 'node:os';
import type { InferenceSession } from 'onnxruntime-node';
import { validation } from '../../shared/contract/errors.ts';

type Ort = typeof import('onnxruntime-node');
let ort: Promise<Ort> | null = null;

/** onnxruntime-node, loaded on first use (the namespace: under tsx its CJS default export comes through empty). */
export function loadOrt(): Promise<Ort> {
  ort ??= import('onnxruntime-node');
  return ort;
}

/**
 * Intra-op threads: LABELTUNE_ORT_THREADS when set, else the cores the machine is not already busy
 * with (cores minus the 1-minute load, at least one): more threads than free cores only queue.
 */
export function ortThreads(env: NodeJS.ProcessEnv = process.env): number {
  const set = env.LABELTUNE_ORT_THREADS;
  if (set !== undefined && set !== '') {
    const n = Number(set);
    if (!Number.isInteger(n) || n < 1) throw validation(`LABELTUNE_ORT_THREADS is "${set}": give a whole number of threads (1 or more), or unset it to use the free cores.`);
    return n;
  }
  return Math.max(1, availableParallelism() - Math.round(loadavg()[0]));
}

/** One ONNX model in onnxruntime: NCHW float input, named float outputs fetched on demand. */
export class OrtSession {
  private constructor(
    private readonly ort: Ort,
    private readonly session: InferenceSession,
    readonly threads: number,
  ) {}

  static async open(model: Uint8Array, threads: number): Promise<OrtSession> {
    const ort = await loadOrt();
    const session = await ort.InferenceSession.create(model, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    return new OrtSession(ort, session, threads);
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** Run `input` (NCHW) and return the named outputs' data; outputs not asked for are not copied out. */
  async run(inputName: string, input: Float32Array, dims: number[], outputs: string[]): Promise<Record<string, { data: Float32Array; dims: number[] }>> {
    const feeds = { [inputName]: new this.ort.Tensor('float32', input, dims) };
    const result = await this.session.run(feeds, outputs);
    return Object.fromEntries(outputs.map((name) => [name, { data: result[name].data as Float32Array, dims: [...result[name].dims] }]));
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
