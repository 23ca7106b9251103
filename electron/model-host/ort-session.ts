import { availableParallelism, loadavg } from 'node:os';
import type { InferenceSession } from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
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

/**
 * What `labeltune doctor` says about inference: onnxruntime when it runs a one-node graph here, with
 * its threads; TF.js when LABELTUNE_INFERENCE=tfjs asks for it or onnxruntime does not load.
 */
export async function inferenceStatus(env: NodeJS.ProcessEnv = process.env): Promise<{ runtime: 'onnxruntime' | 'tfjs'; detail: string }> {
  if (env.LABELTUNE_INFERENCE === 'tfjs') return { runtime: 'tfjs', detail: 'LABELTUNE_INFERENCE=tfjs' };
  try {
    const threads = ortThreads(env);
    const session = await OrtSession.open(identityGraph(), 1);
    const out = await session.run('x', Float32Array.of(1, 2), [2], ['y']);
    await session.release();
    if (out.y.data[1] !== 2) throw new Error('a one-node graph gave a wrong answer');
    const version = (await loadOrt()).env.versions?.node ?? '';
    const source = env.LABELTUNE_ORT_THREADS ? 'LABELTUNE_ORT_THREADS' : 'the free cores now; LABELTUNE_ORT_THREADS sets them';
    return { runtime: 'onnxruntime', detail: `onnxruntime-node ${version}, ${threads} intra-op thread(s) from ${source}; LABELTUNE_INFERENCE=tfjs runs TF.js instead` };
  } catch (e) {
    return { runtime: 'tfjs', detail: `onnxruntime does not run here (${(e as Error).message}); evaluation and prediction fall back to TF.js` };
  }
}

/** y = Identity(x), float [2]. */
function identityGraph(): Uint8Array {
  const { onnx } = onnxProto;
  const info = (name: string) => ({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimValue: 2 }] } } } });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: { name: 'check', node: [{ opType: 'Identity', input: ['x'], output: ['y'] }], input: [info('x')], output: [info('y')] },
  });
  return onnx.ModelProto.encode(model).finish();
}
