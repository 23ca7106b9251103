import { join } from 'node:path';
import type { SystemProbe } from './system-probe.ts';

/**
 * The checks that decide whether @tensorflow/tfjs-node-gpu can use a GPU here. They run before the
 * module is loaded because TensorFlow quietly runs on the CPU when it finds no usable GPU.
 */

/** tfjs-node-gpu 4.x links libtensorflow 2.9, built against CUDA 11.2 and cuDNN 8.1. */
export const GPU_LIBRARIES = [
  { file: 'libcudart.so.11.0', needs: 'CUDA 11.2' },
  { file: 'libcudnn.so.8', needs: 'cuDNN 8.1' },
] as const;

/** TensorFlow 2.9's prebuilt GPU kernels need compute capability 3.5 or higher. */
export const MIN_COMPUTE_CAPABILITY = 3.5;

export interface GpuInfo {
  name: string;
  /** null when this nvidia-smi cannot report it (drivers older than the compute_cap field). */
  computeCapability: number | null;
}

/** Is `file` in `ldconfig -p`'s cache listing or in one of LD_LIBRARY_PATH's folders? */
export function findLibrary(sys: SystemProbe, file: string, ldconfigListing: string | null): string | null {
  if (ldconfigListing) {
    for (const line of ldconfigListing.split('\n')) {
      const m = /^\s*(\S+)\s.*=>\s*(\S+)\s*$/.exec(line);
      if (m && m[1] === file) return m[2];
    }
  }
  for (const dir of (sys.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean)) {
    const path = join(dir, file);
    if (sys.exists(path)) return path;
  }
  return null;
}

/** `ldconfig -p` (also tried as /sbin/ldconfig, which is not on a normal user's PATH). */
export function ldconfigListing(sys: SystemProbe): string | null {
  for (const cmd of ['ldconfig', '/sbin/ldconfig']) {
    const r = sys.run(cmd, ['-p']);
    if (!r.missing && r.status === 0) return r.stdout;
  }
  return null;
}

/** Why the CUDA libraries tfjs-node-gpu needs cannot be loaded, or null when all are found. */
export function missingLibrariesReason(sys: SystemProbe): string | null {
  const listing = ldconfigListing(sys);
  const missing = GPU_LIBRARIES.filter((lib) => !findLibrary(sys, lib.file, listing));
  if (missing.length === 0) return null;
  const files = missing.map((l) => l.file).join(' and ');
  const needs = missing.map((l) => l.needs).join(' and ');
  const where = listing === null ? 'LD_LIBRARY_PATH (ldconfig could not be run)' : 'ldconfig -p and LD_LIBRARY_PATH';
  return `${files} not found in ${where}: tfjs-node-gpu 4.x needs ${needs} (see docs/gpu.md)`;
}

/** Parses `nvidia-smi --query-gpu=name[,compute_cap] --format=csv,noheader`. */
export function parseNvidiaSmi(stdout: string): GpuInfo[] {
  return stdout.split('\n').map((l) => l.trim()).filter(Boolean).map((line) => {
    const parts = line.split(',').map((p) => p.trim());
    const cap = parts.length > 1 ? Number.parseFloat(parts[parts.length - 1]) : Number.NaN;
    const name = parts.length > 1 ? parts.slice(0, -1).join(',') : parts[0];
    return { name, computeCapability: Number.isFinite(cap) ? cap : null };
  });
}

export type GpuQuery = { gpus: GpuInfo[] } | { reason: string };

/** The GPUs the NVIDIA driver shows, or why none is visible. */
export function queryGpus(sys: SystemProbe): GpuQuery {
  let r = sys.run('nvidia-smi', ['--query-gpu=name,compute_cap', '--format=csv,noheader']);
  if (r.missing) return { reason: 'no GPU visible: nvidia-smi was not found (no NVIDIA driver installed)' };
  if (r.status !== 0 && /compute_cap/.test(r.stdout + r.stderr)) {
    // Drivers before 510 do not know the compute_cap field; ask for names only.
    r = sys.run('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader']);
  }
  if (r.status !== 0) {
    const said = (r.stdout + r.stderr).trim().split('\n')[0] || `exit status ${r.status}`;
    return { reason: `no GPU visible: nvidia-smi failed: ${said}` };
  }
  const gpus = parseNvidiaSmi(r.stdout);
  if (gpus.length === 0) return { reason: 'no GPU visible: nvidia-smi lists no GPU' };
  if (!sys.exists('/dev/nvidia0')) {
    return { reason: 'no GPU visible: /dev/nvidia0 does not exist (the driver is not loaded, or the GPU is not passed through to this container)' };
  }
  return { gpus };
}

/** Why no listed GPU is usable by TensorFlow 2.9, or null when at least one is (or it cannot be told). */
export function computeCapabilityReason(gpus: GpuInfo[]): string | null {
  const known = gpus.filter((g) => g.computeCapability !== null);
  if (gpus.length === 0 || known.length < gpus.length || known.some((g) => g.computeCapability! >= MIN_COMPUTE_CAPABILITY)) return null;
  const list = known.map((g) => `${g.name} (${g.computeCapability!.toFixed(1)})`).join(', ');
  return `compute capability too low: ${list}; tfjs-node-gpu 4.x (TensorFlow 2.9) needs ${MIN_COMPUTE_CAPABILITY} or higher`;
}

/** Every reason the GPU rung cannot work here (device, driver, libraries); empty when it can. */
export function gpuBlockers(sys: SystemProbe): { reasons: string[]; gpus: GpuInfo[] } {
  const reasons: string[] = [];
  if (sys.platform !== 'linux' || sys.arch !== 'x64') {
    return { reasons: [`tfjs-node-gpu runs on Linux x64 only (this is ${sys.platform} ${sys.arch})`], gpus: [] };
  }
  const q = queryGpus(sys);
  const gpus = 'gpus' in q ? q.gpus : [];
  if ('reason' in q) reasons.push(q.reason);
  const cap = computeCapabilityReason(gpus);
  if (cap) reasons.push(cap);
  const libs = missingLibrariesReason(sys);
  if (libs) reasons.push(libs);
  return { reasons, gpus };
}
