import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../shared/contract/errors.ts';
import { findLibrary, parseNvidiaSmi } from './gpu-checks.ts';
import type { WebGpuAdapter } from '../../../shared/contract/system.ts';
import { selectBackend, type TF } from './ladder.ts';
import type { CommandResult, SystemProbe } from './system-probe.ts';

const LDCONFIG_WITH_CUDA = [
  '1234 libs found in cache `/etc/ld.so.cache\'',
  '\tlibcudnn.so.8 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcudnn.so.8',
  '\tlibcudart.so.11.0 (libc6,x86-64) => /usr/local/cuda-11.2/lib64/libcudart.so.11.0',
  '\tlibc.so.6 (libc6,x86-64, OS ABI: Linux 3.2.0) => /lib/x86_64-linux-gnu/libc.so.6',
].join('\n');
const LDCONFIG_PLAIN = '\tlibc.so.6 (libc6,x86-64, OS ABI: Linux 3.2.0) => /lib/x86_64-linux-gnu/libc.so.6';

interface Fake {
  installed?: string[];
  ldconfig?: string | null;
  env?: Record<string, string>;
  files?: string[];
  /** nvidia-smi's answer per query field list ('name,compute_cap' or 'name'); absent = not installed. */
  smi?: Record<string, Partial<CommandResult>>;
  platform?: string;
  importError?: string;
}

const ok = (stdout: string): Partial<CommandResult> => ({ status: 0, stdout });

function fakeSystem(f: Fake): SystemProbe {
  return {
    platform: f.platform ?? 'linux',
    arch: 'x64',
    env: f.env ?? {},
    nodePath: '/usr/bin/node',
    resolveModule: (name) => (f.installed?.includes(name) ? `/app/node_modules/${name}/dist/index.js` : null),
    moduleVersion: (name) => (f.installed?.includes(name) ? '4.22.0' : null),
    async importModule(name) {
      if (f.importError) throw new Error(f.importError);
      return { setBackend: async () => true, ready: async () => undefined, loaded: name } as unknown as TF;
    },
    run(command, args) {
      if (command.endsWith('ldconfig')) {
        return f.ldconfig == null ? { missing: true, status: null, stdout: '', stderr: '' } : { missing: false, status: 0, stdout: f.ldconfig, stderr: '' };
      }
      const field = args[0].replace('--query-gpu=', '');
      const answer = f.smi?.[field];
      if (!f.smi) return { missing: true, status: null, stdout: '', stderr: '' };
      return { missing: false, status: 0, stdout: '', stderr: '', ...answer };
    },
    exists: (path) => f.files?.includes(path) ?? false,
  };
}

const wasmOk = async () => ({ simd: true, threads: false, binary: 'tfjs-backend-wasm-simd.wasm' });
const GPU_MOD = '@tensorflow/tfjs-node-gpu';
const NODE_MOD = '@tensorflow/tfjs-node';
const H200 = { 'name,compute_cap': ok('NVIDIA H200, 9.0\n') };

async function gpuReason(f: Fake): Promise<string> {
  const lines: string[] = [];
  const s = await selectBackend({ sys: fakeSystem({ installed: [GPU_MOD], ...f }), activateWasm: wasmOk, log: (l) => lines.push(l) });
  expect(s.report[0].rung).toBe('tfjs-node-gpu');
  return s.report[0].ok ? `OK: ${s.report[0].reason}` : s.report[0].reason;
}

describe('selectBackend', () => {
  it('with no native module installed takes wasm and says why the two native rungs were skipped', async () => {
    const lines: string[] = [];
    const s = await selectBackend({ sys: fakeSystem({}), activateWasm: wasmOk, log: (l) => lines.push(l) });
    expect(s.backend).toBe('wasm');
    expect(s.report).toEqual([
      { rung: 'tfjs-node-gpu', ok: false, reason: 'module not installed: @tensorflow/tfjs-node-gpu (npm install @tensorflow/tfjs-node-gpu@4.22.0; see docs/gpu.md)' },
      { rung: 'webgpu', ok: false, reason: 'module not installed: webgpu (npm install webgpu@0.6.2; see docs/gpu.md)' },
      { rung: 'tfjs-node', ok: false, reason: 'module not installed: @tensorflow/tfjs-node (npm install @tensorflow/tfjs-node@4.22.0; see docs/gpu.md)' },
      { rung: 'wasm', ok: true, reason: 'WebAssembly (XNNPACK) on the CPU, SIMD on, 1 thread' },
    ]);
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('training backend wasm: using it: WebAssembly (XNNPACK) on the CPU, SIMD on, 1 thread');
  });

  it('reports wasm\'s thread count, and why it got fewer threads than asked for', async () => {
    const threaded = async () => ({ simd: true, threads: true, binary: 'tfjs-backend-wasm-threaded-simd.wasm', threadCount: 2, threadNote: '' });
    const two = await selectBackend({ sys: fakeSystem({}), activateWasm: threaded, log: () => {} });
    expect(two.report[3]).toEqual({ rung: 'wasm', ok: true, reason: 'WebAssembly (XNNPACK) on the CPU, SIMD on, 2 threads' });
    const note = 'the threaded wasm binary did not start: boom; running on 1 thread instead of 2';
    const fellBack = async () => ({ simd: true, threads: false, binary: 'tfjs-backend-wasm-simd.wasm', threadCount: 1, threadNote: note });
    const one = await selectBackend({ sys: fakeSystem({}), activateWasm: fellBack, log: () => {} });
    expect(one.report[3].reason).toBe(`WebAssembly (XNNPACK) on the CPU, SIMD on, 1 thread (${note})`);
  });

  it('names nvidia-smi missing and both CUDA libraries missing', async () => {
    expect(await gpuReason({ ldconfig: LDCONFIG_PLAIN })).toBe(
      'no GPU visible: nvidia-smi was not found (no NVIDIA driver installed); ' +
      'libcudart.so.11.0 and libcudnn.so.8 not found in ldconfig -p and LD_LIBRARY_PATH: tfjs-node-gpu 4.x needs CUDA 11.2 and cuDNN 8.1 (see docs/gpu.md)');
  });

  it('names only cuDNN when CUDA is in the cache, and says when ldconfig could not run', async () => {
    const ldconfig = LDCONFIG_WITH_CUDA.split('\n').filter((l) => !l.includes('cudnn')).join('\n');
    expect(await gpuReason({ ldconfig, smi: H200, files: ['/dev/nvidia0'] })).toBe(
      'libcudnn.so.8 not found in ldconfig -p and LD_LIBRARY_PATH: tfjs-node-gpu 4.x needs cuDNN 8.1 (see docs/gpu.md)');
    expect(await gpuReason({ ldconfig: null, smi: H200, files: ['/dev/nvidia0'] })).toBe(
      'libcudart.so.11.0 and libcudnn.so.8 not found in LD_LIBRARY_PATH (ldconfig could not be run): tfjs-node-gpu 4.x needs CUDA 11.2 and cuDNN 8.1 (see docs/gpu.md)');
  });

  it('finds the libraries through LD_LIBRARY_PATH folders', async () => {
    const env = { LD_LIBRARY_PATH: '/opt/cuda/lib64::/opt/cudnn/lib' };
    const files = ['/dev/nvidia0', '/opt/cuda/lib64/libcudart.so.11.0', '/opt/cudnn/lib/libcudnn.so.8'];
    expect(await gpuReason({ ldconfig: LDCONFIG_PLAIN, env, files, smi: H200 })).toBe('OK: CUDA on NVIDIA H200');
  });

  it('says no GPU is visible when nvidia-smi finds none or the device node is absent', async () => {
    const base = { ldconfig: LDCONFIG_WITH_CUDA, files: ['/dev/nvidia0'] };
    expect(await gpuReason({ ...base, smi: { 'name,compute_cap': { status: 6, stdout: 'No devices were found\n' } } }))
      .toBe('no GPU visible: nvidia-smi failed: No devices were found');
    expect(await gpuReason({ ...base, smi: { 'name,compute_cap': ok('') } })).toBe('no GPU visible: nvidia-smi lists no GPU');
    expect(await gpuReason({ ldconfig: LDCONFIG_WITH_CUDA, smi: H200 })).toBe(
      'no GPU visible: /dev/nvidia0 does not exist (the driver is not loaded, or the GPU is not passed through to this container)');
  });

  it('rejects GPUs below compute capability 3.5, and skips the check on drivers that cannot report it', async () => {
    const base = { ldconfig: LDCONFIG_WITH_CUDA, files: ['/dev/nvidia0'] };
    expect(await gpuReason({ ...base, smi: { 'name,compute_cap': ok('Tesla K10.G1.8GB, 3.0\n') } })).toBe(
      'compute capability too low: Tesla K10.G1.8GB (3.0); tfjs-node-gpu 4.x (TensorFlow 2.9) needs 3.5 or higher');
    const oldDriver = {
      'name,compute_cap': { status: 2, stdout: 'Field "compute_cap" is not a valid field to query.\n' },
      name: ok('Tesla K80\n'),
    };
    expect(await gpuReason({ ...base, smi: oldDriver })).toBe('OK: CUDA on Tesla K80');
  });

  it('reports the load error when the module is there but does not load', async () => {
    const f = { ldconfig: LDCONFIG_WITH_CUDA, files: ['/dev/nvidia0'], smi: H200, importError: 'libcublas.so.11: cannot open shared object file: No such file or directory\nRequire stack: ...' };
    expect(await gpuReason(f)).toBe('failed to load @tensorflow/tfjs-node-gpu: libcublas.so.11: cannot open shared object file: No such file or directory');
  });

  it('refuses the GPU rung off Linux x64', async () => {
    expect(await gpuReason({ platform: 'darwin' })).toBe('tfjs-node-gpu runs on Linux x64 only (this is darwin x64)');
  });

  it('takes tfjs-node when the GPU rung fails and the CPU module loads', async () => {
    const s = await selectBackend({ sys: fakeSystem({ installed: [GPU_MOD, NODE_MOD], ldconfig: LDCONFIG_PLAIN }), activateWasm: wasmOk, log: () => {} });
    expect(s.backend).toBe('tfjs-node');
    expect(s.report.map((r) => [r.rung, r.ok])).toEqual([['tfjs-node-gpu', false], ['webgpu', false], ['tfjs-node', true]]);
    expect(s.report[2].reason).toBe('native TensorFlow on the CPU');
  });
});

const SWIFTSHADER: WebGpuAdapter = {
  vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver 5.0.0',
  backend: 'Vulkan', software: true, limits: { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 30 }, features: { shaderF16: false },
};
const RADEON: WebGpuAdapter = {
  vendor: 'amd', architecture: 'rdna-3', device: '', description: 'AMD Radeon RX 7900 XT (RADV NAVI31)',
  backend: 'Vulkan', software: false, limits: { maxBufferSize: 2 ** 32, maxStorageBufferBindingSize: 2 ** 31 - 4 }, features: { shaderF16: true },
};

/** selectBackend with a fake Dawn: `adapter` is what the probe finds; activations are counted. */
async function withAdapter(adapter: WebGpuAdapter | string, opts: { prefer?: 'webgpu'; activateError?: string } = {}) {
  const activated: string[] = [];
  const s = await selectBackend({
    prefer: opts.prefer,
    sys: fakeSystem({ installed: ['webgpu', '@tensorflow/tfjs-backend-webgpu'] }),
    activateWasm: wasmOk,
    log: () => {},
    probeWebgpu: () => (typeof adapter === 'string' ? { ok: false, reason: adapter } : { ok: true, adapter }),
    activateWebgpu: async (_sys, a) => {
      if (opts.activateError) throw new Error(opts.activateError);
      activated.push(a.description);
    },
  });
  return { s, activated };
}

describe('the webgpu rung', () => {
  it('takes a hardware adapter before tfjs-node and wasm, and records it', async () => {
    const { s, activated } = await withAdapter(RADEON);
    expect(s.backend).toBe('webgpu');
    expect(activated).toEqual(['AMD Radeon RX 7900 XT (RADV NAVI31)']);
    expect(s.report[1]).toEqual({
      rung: 'webgpu', ok: true, adapter: RADEON,
      reason: 'WebGPU on amd rdna-3 (AMD Radeon RX 7900 XT (RADV NAVI31)) on Vulkan, hardware, max buffer 4.0 GiB, storage binding 2.0 GiB, shader-f16 yes',
    });
  });

  it('refuses a software adapter by default, says why, and takes wasm', async () => {
    const { s, activated } = await withAdapter(SWIFTSHADER);
    expect(s.backend).toBe('wasm');
    expect(activated).toEqual([]);
    expect(s.report[1]).toEqual({
      rung: 'webgpu', ok: false, adapter: SWIFTSHADER,
      reason: 'only a software adapter: google swiftshader swiftshader-device-subzero- (SwiftShader driver 5.0.0) on Vulkan, software (emulated on the CPU), ' +
        'max buffer 1.0 GiB, storage binding 1.0 GiB, shader-f16 no; it is slower than wasm, so it is not chosen unless asked for (--backend webgpu)',
    });
  });

  it('takes the software adapter when asked for by name, and says it is software', async () => {
    const { s, activated } = await withAdapter(SWIFTSHADER, { prefer: 'webgpu' });
    expect(s.backend).toBe('webgpu');
    expect(activated).toEqual(['SwiftShader driver 5.0.0']);
    expect(s.report[0].reason).toBe('not tried: --backend webgpu asks for webgpu');
    expect(s.report[1].reason).toMatch(/^WebGPU on google swiftshader .* software \(emulated on the CPU\)/);
  });

  it('passes the probe\'s reason on, and fails a request for webgpu with it', async () => {
    const why = 'no WebGPU adapter on Vulkan; Dawn refused: Vulkan shaderUniform*ArrayDynamicIndexing required';
    const { s } = await withAdapter(why);
    expect(s.report[1]).toEqual({ rung: 'webgpu', ok: false, reason: why });
    await expect(withAdapter(why, { prefer: 'webgpu' })).rejects.toMatchObject({
      code: 'unsupported', message: expect.stringContaining(`The webgpu training backend was requested (--backend webgpu) but cannot be used: ${why}.`),
    });
  });

  it('reports a device that will not open, with the adapter it was on', async () => {
    const { s } = await withAdapter(RADEON, { activateError: 'requestDevice: Out of memory\nstack' });
    expect(s.backend).toBe('wasm');
    expect(s.report[1]).toMatchObject({ ok: false, adapter: RADEON, reason: 'the adapter was found but TF.js\'s webgpu backend did not start on it: requestDevice: Out of memory' });
  });
});

describe('LABELTUNE_BACKEND and --backend', () => {
  it('LABELTUNE_BACKEND=cpu takes cpu and marks the faster rungs as not tried', async () => {
    const s = await selectBackend({ sys: fakeSystem({ env: { LABELTUNE_BACKEND: 'cpu' } }), activateWasm: wasmOk, log: () => {} });
    expect(s.backend).toBe('cpu');
    expect(s.report.map((r) => r.reason)).toEqual([
      'not tried: LABELTUNE_BACKEND=cpu asks for cpu',
      'not tried: LABELTUNE_BACKEND=cpu asks for cpu',
      'not tried: LABELTUNE_BACKEND=cpu asks for cpu',
      'not tried: LABELTUNE_BACKEND=cpu asks for cpu',
      'pure JavaScript on the CPU (slowest)',
    ]);
  });

  it('an unavailable requested rung fails with the reason, not a fallback', async () => {
    const run = selectBackend({ prefer: 'tfjs-node', sys: fakeSystem({ env: { LABELTUNE_BACKEND: 'cpu' } }), activateWasm: wasmOk, log: () => {} });
    await expect(run).rejects.toThrow(EngineError);
    await expect(run).rejects.toMatchObject({
      code: 'unsupported',
      message: expect.stringContaining('The tfjs-node training backend was requested (--backend tfjs-node) but cannot be used: module not installed: @tensorflow/tfjs-node'),
    });
  });

  it('a misspelt LABELTUNE_BACKEND is a validation error listing the rungs', async () => {
    await expect(selectBackend({ sys: fakeSystem({ env: { LABELTUNE_BACKEND: 'gpu' } }), log: () => {} })).rejects.toMatchObject({
      code: 'validation',
      message: 'LABELTUNE_BACKEND=gpu is not a training backend. Use one of: tfjs-node-gpu, webgpu, tfjs-node, wasm, cpu, or unset it to pick automatically.',
    });
  });
});

describe('probe parsing', () => {
  it('parses nvidia-smi CSV with commas in names and missing capabilities', () => {
    expect(parseNvidiaSmi('NVIDIA H200, 9.0\nQuadro RTX 8000, 7.5\n')).toEqual([
      { name: 'NVIDIA H200', computeCapability: 9 },
      { name: 'Quadro RTX 8000', computeCapability: 7.5 },
    ]);
    expect(parseNvidiaSmi('Tesla K80\n')).toEqual([{ name: 'Tesla K80', computeCapability: null }]);
  });

  it('reads library paths out of ldconfig -p', () => {
    const sys = fakeSystem({});
    expect(findLibrary(sys, 'libcudnn.so.8', LDCONFIG_WITH_CUDA)).toBe('/usr/lib/x86_64-linux-gnu/libcudnn.so.8');
    expect(findLibrary(sys, 'libcudnn.so', LDCONFIG_WITH_CUDA)).toBeNull();
  });
});
