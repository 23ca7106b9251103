import * as tf from '@tensorflow/tfjs';
import type { WebGpuAdapter } from '../../../shared/contract/system.ts';
import { WEBGPU_BACKEND_MODULE, WEBGPU_MODULE, nativeApi } from './webgpu-adapter.ts';
import type { SystemProbe } from './system-probe.ts';

/**
 * TF.js's WebGPU backend on Dawn in Node. We create the device ourselves (rather than letting the
 * backend's own factory ask `navigator.gpu`) so that we hold it: its loss and its errors are what
 * fail a run with a reason instead of a hang or a silent NaN.
 *
 * Only asynchronous reads work here: TF.js's synchronous download path goes through an
 * OffscreenCanvas, which Node does not have ("OffscreenCanvas is not defined").
 */

/** The parts of Dawn's GPUDevice we use (typed here: @webgpu/types is not a dependency of ours). */
export interface DawnDevice {
  lost: Promise<{ reason: string; message: string }>;
  limits: Record<string, number>;
  addEventListener?(type: 'uncapturederror', fn: (e: { error: { message: string } }) => void): void;
  destroy(): void;
}

interface DawnAdapter {
  info: Record<string, unknown>;
  limits: Record<string, number>;
  features: Set<string>;
  requestDevice(d: { requiredLimits: Record<string, number>; requiredFeatures: string[] }): Promise<DawnDevice>;
}

interface DawnModule {
  create(flags: string[]): { requestAdapter(o: { powerPreference: string }): Promise<DawnAdapter | null> };
  globals: Record<string, unknown>;
}

interface WebGpuBackendModule {
  WebGPUBackend: new (device: DawnDevice, info: unknown) => tf.KernelBackend;
}

/** The device TF.js trains on, and why it failed if it did. */
export interface ActiveWebgpu {
  device: DawnDevice;
  /** Set when the device was lost or reported an out-of-memory or other error. */
  failure(): string | null;
  /** Settles with the failure when there is one: a read from a lost device may never return. */
  failed: Promise<string>;
}

let active: ActiveWebgpu | null = null;

/** The device in use (null when webgpu is not active): training checks its failure after each step. */
export function activeWebgpu(): ActiveWebgpu | null {
  return tf.getBackend() === 'webgpu' ? active : null;
}

/** The limits TF.js's own factory asks for: the adapter's maxima, not WebGPU's small defaults. */
const LIMITS = ['maxComputeWorkgroupStorageSize', 'maxComputeWorkgroupsPerDimension', 'maxStorageBufferBindingSize',
  'maxBufferSize', 'maxComputeWorkgroupSizeX', 'maxComputeInvocationsPerWorkgroup'];

/** Node has no `navigator.gpu`; TF.js's WebGPU code checks it exists. */
function installNavigator(gpu: unknown): void {
  const g = globalThis as { navigator?: object };
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  Object.defineProperty(g.navigator!, 'gpu', { value: gpu, configurable: true });
}

async function openDevice(sys: SystemProbe): Promise<{ device: DawnDevice; info: unknown }> {
  const dawn = (await sys.importModule(WEBGPU_MODULE)) as DawnModule;
  // GPUBufferUsage, GPUMapMode ...: the backend reads these as globals, as in a browser.
  for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) Object.defineProperty(globalThis, k, { value: v, configurable: true, writable: true });
  const gpu = dawn.create([`backend=${nativeApi(sys.platform)?.flag ?? 'vulkan'}`]);
  installNavigator(gpu);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('Dawn offered no adapter (it did in the probe a moment ago)');
  const requiredLimits = Object.fromEntries(LIMITS.map((k) => [k, adapter.limits[k]]));
  const requiredFeatures = ['timestamp-query'].filter((f) => adapter.features.has(f));
  return { device: await adapter.requestDevice({ requiredLimits, requiredFeatures }), info: adapter.info };
}

/**
 * Watches the device: a loss (driver reset, GPU removed, TDR) or an error TF.js did not catch (out
 * of memory, a buffer over the adapter's limits) is recorded and logged, to fail the run. We never
 * destroy the device ourselves, so every loss counts.
 */
export function watch(device: DawnDevice, log: (line: string) => void): ActiveWebgpu {
  let failure: string | null = null;
  let settle: (why: string) => void = () => {};
  const failed = new Promise<string>((resolve) => (settle = resolve));
  const fail = (why: string) => {
    if (failure) return;
    failure = why;
    settle(why);
    log(`webgpu: ${why}`);
  };
  void device.lost.then((info) => fail(`the GPU device was lost (${info.reason || 'unknown'}): ${info.message}`));
  device.addEventListener?.('uncapturederror', (e) => {
    const msg = e.error.message.split('\n')[0];
    if (/out of memory|OOM/i.test(msg)) fail(`the GPU ran out of memory: ${msg}`);
    else fail(`GPU error: ${msg}`);
  });
  return { device, failure: () => failure, failed };
}

/** Opens the adapter's device and makes TF.js's `webgpu` backend the active one. */
export async function activateWebgpu(sys: SystemProbe, adapter: WebGpuAdapter, log: (line: string) => void): Promise<void> {
  // A device that failed is not reused: the next run (a resume) opens a new one.
  if (active && !active.failure() && tf.findBackend('webgpu')) {
    if (!(await tf.setBackend('webgpu'))) throw new Error('the "webgpu" backend did not initialise');
    return;
  }
  const { device, info } = await openDevice(sys);
  const { WebGPUBackend } = (await sys.importModule(WEBGPU_BACKEND_MODULE)) as WebGpuBackendModule;
  // Importing the package may have registered its own factory (navigator.gpu exists by now): ours holds the device.
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new WebGPUBackend(device, info), 0);
  if (!(await tf.setBackend('webgpu'))) throw new Error('the "webgpu" backend did not initialise');
  active = watch(device, log);
  log(`webgpu: device open on ${adapter.description || adapter.device} (${adapter.backend})`);
}
