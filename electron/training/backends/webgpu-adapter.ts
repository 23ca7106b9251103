import type { WebGpuAdapter } from '../../../shared/contract/system.ts';
import type { SystemProbe } from './system-probe.ts';

/**
 * Asks Dawn (the `webgpu` package) which GPU it would use, in a child process: Dawn says why it
 * refuses a driver only on stderr, and a broken driver that crashes takes down the child, not the
 * model host. The answer decides the webgpu rung and is what doctor and the run record show.
 */

export const WEBGPU_MODULE = 'webgpu';
export const WEBGPU_BACKEND_MODULE = '@tensorflow/tfjs-backend-webgpu';
export const WEBGPU_VERSION = '0.6.2';

/** Dawn's native API per platform (what `backend=` asks it for, and what we report). */
const NATIVE_API: Record<string, { flag: string; name: string }> = {
  linux: { flag: 'vulkan', name: 'Vulkan' },
  darwin: { flag: 'metal', name: 'Metal' },
  win32: { flag: 'd3d12', name: 'D3D12' },
};

/** Adapters that are a CPU pretending to be a GPU. */
const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render|\bwarp\b/i;

/** What the probe prints on stdout: the adapter as Dawn describes it, or null. */
export interface RawAdapter {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
  features: string[];
}

export type AdapterProbe = { ok: true; adapter: WebGpuAdapter } | { ok: false; reason: string };

/** Runs in the child: `node --input-type=module -e PROBE_SCRIPT <webgpu entry> <backend flag>`. */
const PROBE_SCRIPT = `
const { pathToFileURL } = await import('node:url');
const [entry, backend] = process.argv.slice(1);
const { create } = await import(pathToFileURL(entry).href);
const adapter = await create(['backend=' + backend]).requestAdapter({ powerPreference: 'high-performance' });
const i = adapter?.info;
const out = adapter && {
  vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description,
  isFallbackAdapter: Boolean(i.isFallbackAdapter ?? adapter.isFallbackAdapter),
  limits: { maxBufferSize: adapter.limits.maxBufferSize, maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize },
  features: [...adapter.features],
};
process.stdout.write(JSON.stringify(out) + '\\n');
process.exit(0);
`;

/** The native API Dawn is asked to use on this platform, or null where it has none we know. */
export function nativeApi(platform: string): { flag: string; name: string } | null {
  return NATIVE_API[platform] ?? null;
}

/** Names the adapter's kind and whether it is emulated on the CPU. */
export function describeAdapter(raw: RawAdapter, backend: string): WebGpuAdapter {
  const text = [raw.vendor, raw.architecture, raw.device, raw.description].join(' ');
  return {
    vendor: raw.vendor,
    architecture: raw.architecture,
    device: raw.device,
    description: raw.description,
    backend,
    software: raw.isFallbackAdapter || SOFTWARE.test(text),
    limits: { ...raw.limits },
    features: { shaderF16: raw.features.includes('shader-f16') },
  };
}

/** One line: "google swiftshader (SwiftShader driver 5.0.0) on Vulkan, software, max buffer 1.0 GiB, ...". */
export function adapterSummary(a: WebGpuAdapter): string {
  const gib = (n: number) => `${(n / 2 ** 30).toFixed(1)} GiB`;
  const name = [a.vendor, a.architecture, a.device].filter(Boolean).join(' ') || 'unnamed adapter';
  const kind = a.software ? 'software (emulated on the CPU)' : 'hardware';
  return `${name}${a.description ? ` (${a.description})` : ''} on ${a.backend}, ${kind}, max buffer ${gib(a.limits.maxBufferSize)}, ` +
    `storage binding ${gib(a.limits.maxStorageBufferBindingSize)}, shader-f16 ${a.features.shaderF16 ? 'yes' : 'no'}`;
}

/**
 * Dawn's refusals from its stderr: "Warning: Vulkan shaderUniform*ArrayDynamicIndexing required."
 * followed by " - While initializing adapter (backend=BackendType::Vulkan)". Deduplicated.
 */
export function dawnRefusals(stderr: string): string[] {
  const lines = stderr.split('\n');
  const out = new Set<string>();
  lines.forEach((line, i) => {
    const m = /^Warning: (.+?)\.?\s*$/.exec(line.trim());
    if (m && /While initializing adapter/.test(lines[i + 1] ?? '')) out.add(m[1]);
  });
  return [...out];
}

function noAdapterReason(sys: SystemProbe, api: string, stderr: string): string {
  const refusals = dawnRefusals(stderr);
  const icd = sys.env.VK_ICD_FILENAMES ?? sys.env.VK_DRIVER_FILES;
  const where = api === 'Vulkan' ? ` (drivers from ${icd ? `VK_ICD_FILENAMES=${icd}` : 'the Vulkan ICDs in /usr/share/vulkan/icd.d'})` : '';
  const why = refusals.length > 0 ? `; Dawn refused: ${refusals.join('; ')}` : `; Dawn found no ${api} driver`;
  const fix = api === 'Vulkan' ? 'install the GPU vendor\'s Vulkan driver (see docs/gpu.md)' : `check that ${api} works on this machine`;
  return `no WebGPU adapter on ${api}${where}${why}: ${fix}`;
}

/** Asks Dawn for an adapter in a child process (real machine) or through `sys.run` (tests). */
export function probeAdapter(sys: SystemProbe): AdapterProbe {
  const entry = sys.resolveModule(WEBGPU_MODULE);
  if (!entry) return { ok: false, reason: `module not installed: ${WEBGPU_MODULE} (npm install ${WEBGPU_MODULE}@${WEBGPU_VERSION}; see docs/gpu.md)` };
  if (!sys.resolveModule(WEBGPU_BACKEND_MODULE)) return { ok: false, reason: `module not installed: ${WEBGPU_BACKEND_MODULE} (npm install ${WEBGPU_BACKEND_MODULE}@4.22.0)` };
  const api = nativeApi(sys.platform);
  if (!api) return { ok: false, reason: `Dawn has no GPU API on ${sys.platform}` };
  const r = sys.run(sys.nodePath, ['--input-type=module', '-e', PROBE_SCRIPT, entry, api.flag]);
  if (r.status !== 0) {
    const said = r.stderr.trim().split('\n').filter((l) => !/XDG_RUNTIME_DIR/.test(l))[0] ?? `exit status ${r.status}`;
    return { ok: false, reason: `the WebGPU probe failed (Dawn could not start): ${said}` };
  }
  const raw = JSON.parse(r.stdout.trim().split('\n').pop() || 'null') as RawAdapter | null;
  if (!raw) return { ok: false, reason: noAdapterReason(sys, api.name, r.stderr) };
  return { ok: true, adapter: describeAdapter(raw, api.name) };
}
