import { describe, expect, it } from 'vitest';
import { dawnRefusals, describeAdapter, probeAdapter, type RawAdapter } from './webgpu-adapter.ts';
import type { CommandResult, SystemProbe } from './system-probe.ts';

const LAVAPIPE_STDERR = [
  'error: XDG_RUNTIME_DIR is invalid or not set in the environment.',
  'Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.',
  ' - While initializing adapter (backend=BackendType::Vulkan)',
  '    at InitializeImpl (/home/runner/work/node-webgpu/third_party/dawn/src/dawn/native/vulkan/PhysicalDeviceVk.cpp:257)',
  '',
  'Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.',
  ' - While initializing adapter (backend=BackendType::Vulkan)',
].join('\n');

const SWIFTSHADER_RAW: RawAdapter = {
  vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver 5.0.0',
  isFallbackAdapter: true, limits: { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 30 }, features: ['timestamp-query', 'subgroups'],
};

function probeWith(answer: Partial<CommandResult>, f: { installed?: string[]; platform?: string; env?: Record<string, string> } = {}) {
  const calls: string[][] = [];
  const installed = f.installed ?? ['webgpu', '@tensorflow/tfjs-backend-webgpu'];
  const sys: SystemProbe = {
    platform: f.platform ?? 'linux', arch: 'x64', env: f.env ?? {}, nodePath: '/usr/bin/node',
    resolveModule: (name) => (installed.includes(name) ? `/app/node_modules/${name}/index.js` : null),
    moduleVersion: () => null,
    importModule: async () => ({}),
    run(command, args) {
      calls.push([command, ...args]);
      return { missing: false, status: 0, stdout: '', stderr: '', ...answer };
    },
    exists: () => false,
  };
  return { result: probeAdapter(sys), calls };
}

describe('probeAdapter', () => {
  it('asks Dawn for the platform\'s API in a child and describes what it found', () => {
    const { result, calls } = probeWith({ stdout: `${JSON.stringify(SWIFTSHADER_RAW)}\n` }, { platform: 'darwin' });
    expect(calls[0].slice(-2)).toEqual(['/app/node_modules/webgpu/index.js', 'metal']);
    expect(calls[0][0]).toBe('/usr/bin/node');
    expect(result).toEqual({
      ok: true,
      adapter: {
        vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver 5.0.0',
        backend: 'Metal', software: true, limits: { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 30 }, features: { shaderF16: false },
      },
    });
  });

  it('names Dawn\'s refusal when there is no adapter, and where the drivers came from', () => {
    const { result } = probeWith({ stdout: 'null\n', stderr: LAVAPIPE_STDERR }, { env: { VK_ICD_FILENAMES: '/usr/share/vulkan/icd.d/lvp_icd.x86_64.json' } });
    expect(result).toEqual({
      ok: false,
      reason: 'no WebGPU adapter on Vulkan (drivers from VK_ICD_FILENAMES=/usr/share/vulkan/icd.d/lvp_icd.x86_64.json); ' +
        'Dawn refused: Vulkan shaderUniform*ArrayDynamicIndexing required: install the GPU vendor\'s Vulkan driver (see docs/gpu.md)',
    });
    expect(probeWith({ stdout: 'null\n', stderr: '' }).result).toEqual({
      ok: false,
      reason: 'no WebGPU adapter on Vulkan (drivers from the Vulkan ICDs in /usr/share/vulkan/icd.d); Dawn found no Vulkan driver: install the GPU vendor\'s Vulkan driver (see docs/gpu.md)',
    });
  });

  it('says which package is missing, and when the probe itself dies', () => {
    expect(probeWith({}, { installed: [] }).result).toEqual({ ok: false, reason: 'module not installed: webgpu (npm install webgpu@0.6.2; see docs/gpu.md)' });
    expect(probeWith({}, { installed: ['webgpu'] }).result).toEqual({
      ok: false, reason: 'module not installed: @tensorflow/tfjs-backend-webgpu (npm install @tensorflow/tfjs-backend-webgpu@4.22.0)',
    });
    expect(probeWith({ status: null, stderr: 'error: XDG_RUNTIME_DIR is invalid\nSegmentation fault (core dumped)\n' }).result).toEqual({
      ok: false, reason: 'the WebGPU probe failed (Dawn could not start): Segmentation fault (core dumped)',
    });
  });
});

describe('describeAdapter', () => {
  it('tells software adapters by Dawn\'s fallback flag or by name, and reads shader-f16', () => {
    const hw = { ...SWIFTSHADER_RAW, vendor: 'nvidia', architecture: 'ada', device: '', description: 'NVIDIA RTX 4090', isFallbackAdapter: false, features: ['shader-f16'] };
    expect(describeAdapter(hw, 'Vulkan')).toMatchObject({ software: false, features: { shaderF16: true } });
    expect(describeAdapter({ ...hw, description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }, 'Vulkan').software).toBe(true);
    expect(describeAdapter({ ...hw, description: 'Microsoft Basic Render Driver' }, 'D3D12').software).toBe(true);
    expect(describeAdapter({ ...hw, isFallbackAdapter: true }, 'Vulkan').software).toBe(true);
  });

  it('reads each refusal once from Dawn\'s stderr', () => {
    expect(dawnRefusals(LAVAPIPE_STDERR)).toEqual(['Vulkan shaderUniform*ArrayDynamicIndexing required']);
    expect(dawnRefusals('Warning: something unrelated.\n')).toEqual([]);
  });
});
