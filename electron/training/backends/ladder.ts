import * as tfjs from '@tensorflow/tfjs';
import { unsupported, validation } from '../../../shared/contract/errors.ts';
import { BACKEND_RUNGS, isBackendRung, type BackendRung, type RungStatus, type WebGpuAdapter } from '../../../shared/contract/system.ts';
import { gpuBlockers, type GpuInfo } from './gpu-checks.ts';
import { nodeSystemProbe, type SystemProbe } from './system-probe.ts';
import { activateWasm, type ActiveWasm, type WasmFeatures } from './wasm-backend.ts';
import { type AdapterProbe, adapterSummary, probeAdapter } from './webgpu-adapter.ts';
import { activateWebgpu } from './webgpu-backend.ts';

/**
 * The backend ladder: CUDA (tfjs-node-gpu) -> WebGPU (Dawn: Vulkan, Metal, D3D12) -> native CPU
 * (tfjs-node) -> wasm -> pure JS, taking the first rung that works and saying why each faster one
 * did not. Nothing falls back silently: the report is returned (the run records it) and logged.
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
  /** Asks Dawn for an adapter (a child process; replaced by a fake in tests). */
  probeWebgpu?: (sys: SystemProbe) => AdapterProbe;
  /** Opens the adapter's device and activates TF.js's webgpu backend (replaced by a fake in tests). */
  activateWebgpu?: (sys: SystemProbe, adapter: WebGpuAdapter, log: (line: string) => void) => Promise<void>;
  /** The rung was asked for by name: a software WebGPU adapter is then taken instead of refused. */
  requested?: boolean;
}

export interface SelectOptions extends LadderDeps {
  /** A rung asked for by the user (`--backend`); LABELTUNE_BACKEND is used when absent. */
  prefer?: BackendRung;
}

export const NATIVE_MODULES = { 'tfjs-node-gpu': '@tensorflow/tfjs-node-gpu', 'tfjs-node': '@tensorflow/tfjs-node' } as const;
const NATIVE_VERSION = '4.22.0';

type Attempt = ({ ok: true; tf: TF } | { ok: false }) & { reason: string; adapter?: WebGpuAdapter };

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
 * The webgpu rung. A software adapter (SwiftShader, llvmpipe, WARP) is a CPU running GPU code,
 * several times slower than wasm's XNNPACK, so it is taken only when asked for by name.
 */
async function tryWebgpu(deps: LadderDeps, sys: SystemProbe): Promise<Attempt> {
  const probe = (deps.probeWebgpu ?? probeAdapter)(sys);
  if (!probe.ok) return { ok: false, reason: probe.reason };
  const { adapter } = probe;
  const summary = adapterSummary(adapter);
  if (adapter.software && !deps.requested) {
    return { ok: false, adapter, reason: `only a software adapter: ${summary}; it is slower than wasm, so it is not chosen unless asked for (--backend webgpu)` };
  }
  try {
    await (deps.activateWebgpu ?? activateWebgpu)(sys, adapter, deps.log ?? defaultLog);
    return { ok: true, tf: tfjs, adapter, reason: `WebGPU on ${summary}` };
  } catch (e) {
    return { ok: false, adapter, reason: `the adapter was found but TF.js's webgpu backend did not start on it: ${(e as Error).message.split('\n')[0]}` };
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
  if (rung === 'webgpu') return tryWebgpu(deps, sys);
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

/** The report line of one attempt (the adapter only where there was one). */
export function rungStatus(rung: BackendRung, a: Attempt): RungStatus {
  return { rung, ok: a.ok, reason: a.reason, ...(a.adapter ? { adapter: a.adapter } : {}) };
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
    const attempt = await tryRung(rung, { ...opts, sys, requested: request !== null });
    report.push(rungStatus(rung, attempt));
    log(`training backend ${rung}: ${attempt.ok ? 'using it' : 'unavailable'}: ${attempt.reason}`);
    if (attempt.ok) return { backend: rung, tf: attempt.tf, report };
    if (request) {
      throw unsupported(`The ${rung} training backend was requested (${request.source}) but cannot be used: ${attempt.reason}. ` +
        `Remove ${request.source} to let LabelTune pick the fastest backend that works, or run "labeltune doctor".`, { report });
    }
  }
  throw unsupported('No training backend could be initialised, not even the pure JavaScript one.', { report });
}
