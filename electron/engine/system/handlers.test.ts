import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { formatDoctor } from '../cli/commands/doctor.ts';
import { createTestEngine, type TestEngine } from '../testing/test-engine.ts';

/** Whether a package resolves from here, as the model host's probe resolves it (the engine's tests ask Node, not the ML library). */
function installed(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}

describe('system.doctor', () => {
  let t: TestEngine | null = null;
  const saved = process.env.LABELTUNE_BACKEND;
  afterEach(async () => {
    if (saved === undefined) delete process.env.LABELTUNE_BACKEND;
    else process.env.LABELTUNE_BACKEND = saved;
    await t?.dispose();
    t = null;
  });

  it('checks every rung, picks the fastest that works and warns loudly about CPU training', async () => {
    delete process.env.LABELTUNE_BACKEND;
    t = createTestEngine();
    const r = await t.client.invoke('system.doctor', {});
    expect(r.rungs.map((s) => s.rung)).toEqual(['tfjs-node-gpu', 'webgpu', 'tfjs-node', 'wasm', 'cpu']);
    const wasm = r.rungs[3];
    expect(wasm).toEqual({ rung: 'wasm', ok: true, reason: 'WebAssembly (XNNPACK) on the CPU, SIMD on, 1 thread' });
    expect(r.rungs[4]).toEqual({ rung: 'cpu', ok: true, reason: 'pure JavaScript on the CPU (slowest)' });
    // This machine class has no native TF.js modules (they cannot install here); where they are
    // missing the reason must say so and give the install command.
    if (!installed('@tensorflow/tfjs-node-gpu')) {
      expect(r.rungs[0].reason).toBe('module not installed: @tensorflow/tfjs-node-gpu (npm install @tensorflow/tfjs-node-gpu@4.22.0; see docs/gpu.md)');
      expect(r.versions.tfjsNodeGpu).toBeNull();
    }
    if (!installed('@tensorflow/tfjs-node')) {
      expect(r.rungs[2].ok).toBe(false);
      expect(r.chosen).toBe('wasm');
      expect(r.warnings[0]).toMatch(/^WARNING: TRAINING WILL RUN ON THE CPU \(wasm\)\./);
      expect(r.warnings[0]).toContain('no GPU: tfjs-node-gpu: module not installed: @tensorflow/tfjs-node-gpu');
    }
    // With SwiftShader (CI installs chromium, which ships it) Dawn finds a software adapter: listed, never chosen by default.
    if (/swiftshader/i.test(process.env.VK_ICD_FILENAMES ?? '')) {
      expect(r.rungs[1]).toMatchObject({ rung: 'webgpu', ok: false, adapter: { vendor: 'google', software: true, backend: 'Vulkan' } });
      expect(r.rungs[1].reason).toMatch(/^only a software adapter: google swiftshader .*not chosen unless asked for \(--backend webgpu\)$/);
      expect(r.versions.webgpu).toBe('0.6.2');
    }
    expect(r.override).toBeNull();
    expect(r.versions.tfjs).toBe('4.22.0');
    expect(r.versions.tfjsBackendWasm).toBe('4.22.0');
    expect(r.versions.node).toBe(process.versions.node);
    expect(r.wasm).toEqual({ simd: true, threads: false, binary: 'tfjs-backend-wasm-simd.wasm' });
    expect(r.cpu.count).toBe(cpus().length);
    const text = formatDoctor(r);
    expect(text.split('\n')[0]).toBe(r.warnings[0]);
    expect(text).toContain(`Training backend  ${r.chosen}`);
    expect(text).toContain(`-> ${r.chosen}`);
  });

  it('honours LABELTUNE_BACKEND and reports a request it cannot meet', async () => {
    t = createTestEngine();
    process.env.LABELTUNE_BACKEND = 'cpu';
    const cpu = await t.client.invoke('system.doctor', {});
    expect(cpu.chosen).toBe('cpu');
    expect(cpu.override).toBe('cpu');
    expect(cpu.warnings[0]).toMatch(/^WARNING: TRAINING WILL RUN ON THE CPU \(cpu\)/);

    process.env.LABELTUNE_BACKEND = 'gpu';
    const bad = await t.client.invoke('system.doctor', {});
    expect(bad.chosen).toBeNull();
    expect(bad.warnings).toEqual([
      'WARNING: LABELTUNE_BACKEND=gpu is not a training backend. Use one of: tfjs-node-gpu, webgpu, tfjs-node, wasm, cpu, or unset it to pick automatically. Training will refuse to start.',
    ]);
  });

  it('rejects arguments', async () => {
    t = createTestEngine();
    await expect(t.client.invoke('system.doctor', { verbose: true } as never)).rejects.toMatchObject({ code: 'validation' });
  });
});
