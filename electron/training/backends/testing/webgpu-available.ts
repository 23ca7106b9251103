import { nodeSystemProbe } from '../system-probe.ts';
import { probeAdapter } from '../webgpu-adapter.ts';

/**
 * Whether the WebGPU tests can run here, and why not. Where no adapter exists they are skipped with
 * the probe's reason in their title, except under CI=true: CI installs chromium, whose SwiftShader
 * Vulkan driver (VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json) gives Dawn a real
 * adapter, so a missing one there is a broken setup and fails.
 */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export function webgpuTestAdapter(): { ok: true } | { ok: false; reason: string } {
  if (!process.env.VK_ICD_FILENAMES && nodeSystemProbe.exists(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  const probe = probeAdapter(nodeSystemProbe);
  if (probe.ok) return { ok: true };
  if (process.env.CI === 'true') {
    throw new Error(`CI=true and no WebGPU adapter: ${probe.reason}. Install chromium (it ships SwiftShader's Vulkan driver at ${SWIFTSHADER_ICD}).`);
  }
  return probe;
}
