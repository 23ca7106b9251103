import * as tfjs from '@tensorflow/tfjs';
import { unsupported, validation } from '../../../shared/contract/errors.ts';
import { BACKEND_RUNGS, isBackendRung, type BackendRung, type RungStatus } from '../../../shared/contract/system.ts';
import { gpuBlockers, type GpuInfo } from './gpu-checks.ts';
import { nodeSystemProbe, type SystemProbe } from './system-probe.ts';
import { activateWasm, type ActiveWasm, type WasmFeatures } from './wasm-backend.ts';

/**
 * The backend ladder: CUDA (tfjs-node-gpu) -> native CPU (tfjs-node) -> wasm -> pure JS, taking the
 * first rung that works and saying why each faster one did not. Nothing falls back silently: the
 * report is returned (the run records it) and logged.
 */

export type TF = typeof tfjs;

export interface BackendSelection {
  backend: BackendRung;
  /** The TF.js namespace to train with (the native module's own for tfjs-node rungs). */
  tf: TF;
  /** The rungs tried, fastest first, ending with the one taken. */
  report: RungStatus[];
}

export interface LadderDeps {
  sys?: SystemProbe;
  /** Initialises wasm with the training kernels (replaced by a fake in tests). */
  activateWasm?: () => Promise<WasmFeatures & Partial<Pick<ActiveWasm, 'threadCount' | 'threadNote'>>>;
  log?: (line: string) => void;
}

export interface SelectOptions extends LadderDeps {
  /** A rung asked for by the user (`--backend`); LABELTUNE_BACKEND is used when absent. */
  prefer?: BackendRung;
}

export const NATIVE_MODULES = { 'tfjs-node-gpu': '@tensorflow/tfjs-node-gpu', 'tfjs-node': '@tensorflow/tfjs-node' } as const;
const NATIVE_VERSION = '4.22.0';

type Attempt = { ok: true; tf: TF; reason: string } | { ok: false; reason: string };

function defaultLog(line: string): void {
  if (!process.env.LABELTUNE_QUIET) process.stderr.write(`${line}\n`);
}

async function tryNative(rung: 'tfjs-node-gpu' | 'tfjs-node', sys: SystemProbe): Promise<Attempt> {
  const name = NATIVE_MODULES[rung];
  if (!sys.resolveModule(name)) {
    return { ok: false, reason: `module not installed: ${name} (npm install ${name}@${NATIVE_VERSION}; see docs/gpu.md)` };
  }
  let gpus: GpuInfo[] = [];
  if (rung === 'tfjs-node-gpu') {
    const blockers = gpuBlockers(sys);
    if (blockers.reasons.length > 0) return { ok: false, reason: blockers.reasons.join('; ') };
    gpus = blockers.gpus;
  }
  try {
    const mod = (await sys.importModule(name)) as TF & { default?: TF };
    const tf = (mod.default ?? mod) as TF;
    if (!(await tf.setBackend('tensorflow'))) throw new Error('the "tensorflow" backend did not initialise');
    await tf.ready();
    const on = rung === 'tfjs-node-gpu' ? `CUDA on ${gpus.map((g) => g.name).join(', ')}` : 'native TensorFlow on the CPU';
    return { ok: true, tf, reason: on };
  } catch (e) {
    return { ok: false, reason: `failed to load ${name}: ${(e as Error).message.split('\n')[0]}` };
  }
}

/**
 * TF.js's CPU backend prints a banner on its first use in Node ("install our node backend, visit
 * github.com/tensorflow/tfjs-node"). The ladder already reports which rung runs and what to install
 * for a faster one (docs/gpu.md), so that advice is noise, and on stderr it reads like an error.
 * The flag is the backend's own "already said it" switch; if a later TF.js drops it, nothing breaks.
 */
export function silenceNodeBackendBanner(tf: Pick<TF, 'findBackend'> = tfjs): void {
  const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null;
  if (cpu && 'firstUse' in cpu) cpu.firstUse = false;
}

/** Tries one rung and, when it works, leaves it as TF.js's active backend. */
export async function tryRung(rung: BackendRung, deps: LadderDeps = {}): Promise<Attempt> {
  silenceNodeBackendBanner();
  const sys = deps.sys ?? nodeSystemProbe;
  if (rung === 'tfjs-node-gpu' || rung === 'tfjs-node') return tryNative(rung, sys);
  if (rung === 'wasm') {
    try {
      const f = await (deps.activateWasm ?? activateWasm)();
      const n = f.threadCount ?? 1;
      const note = f.threadNote ? ` (${f.threadNote})` : '';
      return { ok: true, tf: tfjs, reason: `WebAssembly (XNNPACK) on the CPU, SIMD ${f.simd ? 'on' : 'off'}, ${n === 1 ? '1 thread' : `${n} threads`}${note}` };
    } catch (e) {
      return { ok: false, reason: `wasm did not initialise: ${(e as Error).message}` };
    }
  }
  await tfjs.setBackend('cpu');
  return { ok: true, tf: tfjs, reason: 'pure JavaScript on the CPU (slowest)' };
}

/** The rung asked for by `prefer` or LABELTUNE_BACKEND, with where the request came from. */
export function requestedRung(prefer: BackendRung | undefined, env: Record<string, string | undefined>): { rung: BackendRung; source: string } | null {
  if (prefer) return { rung: prefer, source: `--backend ${prefer}` };
  const raw = env.LABELTUNE_BACKEND?.trim();
  if (!raw) return null;
  if (!isBackendRung(raw)) {
    throw validation(`LABELTUNE_BACKEND=${raw} is not a training backend. Use one of: ${BACKEND_RUNGS.join(', ')}, or unset it to pick automatically.`);
  }
  return { rung: raw, source: `LABELTUNE_BACKEND=${raw}` };
}

/** Picks the training backend: the requested rung or the fastest that works. */
export async function selectBackend(opts: SelectOptions = {}): Promise<BackendSelection> {
  const sys = opts.sys ?? nodeSystemProbe;
  const log = opts.log ?? defaultLog;
  const request = requestedRung(opts.prefer, sys.env);
  const report: RungStatus[] = [];
  for (const rung of BACKEND_RUNGS) {
    if (request && rung !== request.rung) {
      if (BACKEND_RUNGS.indexOf(rung) > BACKEND_RUNGS.indexOf(request.rung)) break;
      report.push({ rung, ok: false, reason: `not tried: ${request.source} asks for ${request.rung}` });
      continue;
    }
    const attempt = await tryRung(rung, { ...opts, sys });
    report.push({ rung, ok: attempt.ok, reason: attempt.reason });
    log(`training backend ${rung}: ${attempt.ok ? 'using it' : 'unavailable'}: ${attempt.reason}`);
    if (attempt.ok) return { backend: rung, tf: attempt.tf, report };
    if (request) {
      throw unsupported(`The ${rung} training backend was requested (${request.source}) but cannot be used: ${attempt.reason}. ` +
        `Remove ${request.source} to let LabelTune pick the fastest backend that works, or run "labeltune doctor".`, { report });
    }
  }
  throw unsupported('No training backend could be initialised, not even the pure JavaScript one.', { report });
}
