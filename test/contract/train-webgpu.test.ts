import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RungStatus } from '../../shared/contract/system.ts';
import { webgpuTestAdapter } from '../../electron/training/backends/testing/webgpu-available.ts';
import { openDatabase } from '../../electron/engine/db/database.ts';
import { PROJECT_DB } from '../../electron/engine/projects/project.ts';
import { fillSampleProject } from '../../electron/engine/runs/testing/sample-project.ts';
import { type TestEngine, createTestProject } from '../../electron/engine/testing/test-engine.ts';
import { runCli } from '../../electron/engine/testing/cli.ts';

/**
 * `labeltune train --backend webgpu` end to end: engine, model host and TF.js's webgpu backend on
 * Dawn (SwiftShader in CI), against the same run on wasm. Everything the host does on this path
 * (training steps, validation, checkpoints, the LR search) must read tensors asynchronously.
 */
const adapter = webgpuTestAdapter();
const title = adapter.ok ? 'labeltune train --backend webgpu' : `labeltune train --backend webgpu: SKIPPED, no WebGPU adapter here: ${adapter.reason}`;
if (!adapter.ok) console.warn(title);

let t: TestEngine;
const previousHome = process.env.LABELTUNE_HOME;

beforeAll(async () => {
  t = await createTestProject();
  process.env.LABELTUNE_HOME = join(t.tmp, 'cli-home');
  await fillSampleProject(t.engine.ctx.project().db, t.projectDir, { perClass: 8, classes: ['a', 'b', 'c'] });
  await t.engine.ctx.setProject(null);
});
afterAll(async () => {
  process.env.LABELTUNE_HOME = previousHome;
  await t.dispose();
});

// test-tiny-resnet is a real (small) ResNet: with 3 steps an epoch its BatchNorm running statistics
// need 4 epochs before evaluation-mode accuracy leaves chance (2 epochs gave 1/3 on both backends).
const tiny = ['--backbone', 'test-tiny-resnet', '--image-size', '16', '--batch-size', '8', '--seed', '3', '--strategy', 'full', '--epochs', '4', '--lr', '0.05'];

async function train(backend: string) {
  const { code, out, err } = await runCli('train', t.projectDir, ...tiny, '--backend', backend, '--json');
  expect(code, err + out).toBe(0);
  return JSON.parse(out) as { runId: number; backend: string; final: { valAccuracy: number; valLoss: number }; epochs: unknown[] };
}

describe.skipIf(!adapter.ok)(title, () => {
  it('completes a tiny run on the software adapter with the accuracy wasm reaches, and records the adapter', async () => {
    const gpu = await train('webgpu');
    const wasm = await train('wasm');
    expect(gpu.backend).toBe('webgpu');
    expect(gpu.epochs).toHaveLength(4);
    // Same seed, same data, float32 on both: the runs differ only by summation order.
    expect(gpu.final.valAccuracy).toBeGreaterThanOrEqual(0.6);
    expect(Math.abs(gpu.final.valAccuracy - wasm.final.valAccuracy)).toBeLessThanOrEqual(1 / 6 + 1e-9);
    expect(gpu.final.valLoss).toBeCloseTo(wasm.final.valLoss, 2);
    const { db } = openDatabase(join(t.projectDir, PROJECT_DB), { create: false });
    const row = db.prepare('SELECT backend, backend_report FROM runs WHERE id = ?').get(gpu.runId) as { backend: string; backend_report: string };
    db.close();
    expect(row.backend).toBe('webgpu');
    const report = JSON.parse(row.backend_report) as RungStatus[];
    expect(report.map((r) => r.rung)).toEqual(['tfjs-node-gpu', 'webgpu']);
    expect(report[1]).toMatchObject({ ok: true, adapter: { software: true, backend: 'Vulkan', limits: { maxBufferSize: expect.any(Number) } } });
    expect(report[1].reason).toMatch(/^WebGPU on .*software \(emulated on the CPU\)/);
  });

  it('a run stopped on webgpu resumes on wasm from its checkpoint (--resume RUN --backend wasm)', async () => {
    process.env.LABELTUNE_TRAINER_CRASH_AFTER_EPOCH = '1';
    const crashed = await runCli('train', t.projectDir, ...tiny, '--backend', 'webgpu', '--json').finally(() => {
      delete process.env.LABELTUNE_TRAINER_CRASH_AFTER_EPOCH;
    });
    expect(crashed.code).toBe(1);
    const runId = Number(/Run (\d+) failed/.exec(JSON.parse(crashed.out).error.message)?.[1]);
    expect(runId).toBeGreaterThan(0);
    const { code, out, err } = await runCli('train', t.projectDir, '--resume', String(runId), '--backend', 'wasm', '--json');
    expect(code, err).toBe(0);
    const doc = JSON.parse(out);
    expect(doc).toMatchObject({ runId, status: 'completed', backend: 'wasm', final: { epoch: 4 } });
    expect(doc.epochs.map((e: { epoch: number }) => e.epoch)).toEqual([1, 2, 3, 4]);
    expect((await runCli('train', t.projectDir, '--resume', String(runId), '--backend', 'gpu')).err).toContain('--backend gpu is not a backend');
  });
});
