import * as tfjs from '@tensorflow/tfjs';
import { cpus } from 'node:os';
import { isEngineError } from '../../../shared/contract/errors.ts';
import { BACKEND_RUNGS, type BackendRung, type DoctorReport, type RungStatus } from '../../../shared/contract/system.ts';
import { NATIVE_MODULES, requestedRung, rungStatus, tryRung, type LadderDeps } from './ladder.ts';
import { nodeSystemProbe } from './system-probe.ts';
import { wasmFeatures } from './wasm-backend.ts';
import { WEBGPU_BACKEND_MODULE, WEBGPU_MODULE } from './webgpu-adapter.ts';

/**
 * `labeltune doctor`: every rung of the backend ladder checked for real (modules loaded, wasm
 * initialised), the rung training would take, versions, and a loud warning when that rung is a CPU.
 * TF.js's active backend is restored afterwards, so the doctor can run inside the engine.
 */
export async function doctorReport(deps: LadderDeps = {}): Promise<DoctorReport> {
  const sys = deps.sys ?? nodeSystemProbe;
  const previous = tfjs.engine().backendName;
  let asked: BackendRung | undefined;
  try {
    asked = requestedRung(undefined, sys.env)?.rung;
  } catch {
    asked = undefined; // chooseRung turns the bad value into a warning
  }
  const rungs: RungStatus[] = [];
  for (const rung of BACKEND_RUNGS) rungs.push(rungStatus(rung, await tryRung(rung, { ...deps, sys, requested: rung === asked })));
  if (previous) await tfjs.setBackend(previous);
  const warnings: string[] = [];
  const chosen = chooseRung(rungs, sys.env, warnings);
  if (chosen && onCpu(chosen, rungs)) warnings.unshift(cpuWarning(chosen, rungs));
  const cpuList = cpus();
  return {
    chosen,
    override: sys.env.LABELTUNE_BACKEND?.trim() || null,
    rungs,
    versions: {
      node: process.versions.node,
      tfjs: tfjs.version.tfjs,
      tfjsBackendWasm: sys.moduleVersion('@tensorflow/tfjs-backend-wasm') ?? 'not installed',
      tfjsNode: sys.moduleVersion(NATIVE_MODULES['tfjs-node']),
      tfjsNodeGpu: sys.moduleVersion(NATIVE_MODULES['tfjs-node-gpu']),
      webgpu: sys.moduleVersion(WEBGPU_MODULE),
      tfjsBackendWebgpu: sys.moduleVersion(WEBGPU_BACKEND_MODULE),
    },
    wasm: await wasmFeatures(),
    cpu: { count: cpuList.length, model: cpuList[0]?.model.trim() ?? 'unknown' },
    warnings,
  };
}

/** The rung selectBackend would take given these statuses; null (with a warning) when the request cannot be met. */
function chooseRung(rungs: RungStatus[], env: Record<string, string | undefined>, warnings: string[]): BackendRung | null {
  let request: ReturnType<typeof requestedRung>;
  try {
    request = requestedRung(undefined, env);
  } catch (e) {
    warnings.push(`WARNING: ${isEngineError(e) ? e.message : String(e)} Training will refuse to start.`);
    return null;
  }
  if (request) {
    const status = rungs.find((r) => r.rung === request.rung)!;
    if (status.ok) return request.rung;
    warnings.push(`WARNING: ${request.source} cannot be used (${status.reason}). Training will refuse to start until it is unset or fixed.`);
    return null;
  }
  return rungs.find((r) => r.ok)?.rung ?? null;
}

/** Whether the chosen rung computes on the CPU (a software WebGPU adapter does too). */
function onCpu(chosen: BackendRung, rungs: RungStatus[]): boolean {
  if (chosen === 'tfjs-node-gpu') return false;
  if (chosen === 'webgpu') return rungs.find((r) => r.rung === 'webgpu')?.adapter?.software ?? false;
  return true;
}

function cpuWarning(chosen: BackendRung, rungs: RungStatus[]): string {
  const gpus = rungs.filter((r) => r.rung === 'tfjs-node-gpu' || r.rung === 'webgpu');
  const why = chosen === 'webgpu'
    ? 'the WebGPU adapter is a software one, asked for by name'
    : gpus.some((g) => g.ok) ? 'a GPU rung is available but not chosen' : `no GPU: ${gpus.map((g) => `${g.rung}: ${g.reason}`).join('; ')}`;
  return `WARNING: TRAINING WILL RUN ON THE CPU (${chosen}). Expect it to be one to two orders of magnitude slower than on a GPU ` +
    `(${why}). See docs/gpu.md to enable a GPU rung.`;
}
