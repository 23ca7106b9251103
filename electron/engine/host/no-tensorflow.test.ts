import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillSampleProject } from '../runs/testing/sample-project.ts';
import { type TestEngine, createTestProject } from '../testing/test-engine.ts';
import { BACKEND_RUNGS } from '../../../shared/contract/system.ts';

/**
 * The engine's process never loads TensorFlow: every model job runs in a model host. TF.js creates
 * its engine on globalThis._tfengine when it loads, so its absence after the jobs proves it.
 * (This file imports nothing that loads TF.js itself.)
 */
let t: TestEngine;
const db = () => t.engine.ctx.project().db;
const loaded = () => '_tfengine' in globalThis;

beforeAll(async () => {
  t = await createTestProject();
  await fillSampleProject(db(), t.projectDir, { perClass: 8, classes: ['normal', 'effusion', 'nodule'] });
});
afterAll(async () => {
  await t.dispose();
});

describe('the engine process', () => {
  it('plans, trains, evaluates, predicts, explains, exports and checks backends without loading TensorFlow', async () => {
    expect(loaded()).toBe(false);
    // resnet18, not a test network: the hand-written test networks cannot be exported.
    const plan = await t.client.invoke('runs.plan', { backbone: 'resnet18', imageSize: 32, batchSize: 6, backend: 'cpu', strategy: 'linear', epochs: 1 });
    const { runId, jobId } = await t.client.invoke('runs.start', { planId: plan.planId! });
    expect((await t.client.invoke('job.wait', { jobId })).status).toBe('completed');
    for (const job of [
      await t.client.invoke('eval.run', { runId, split: 'val' }),
      await t.client.invoke('predict.start', { runId, scope: 'all' }),
      await t.client.invoke('exports.start', { runId, format: 'safetensors' }),
    ]) {
      const done = await t.client.invoke('job.wait', job);
      expect(done.status, done.error?.message).toBe('completed');
    }
    const cam = await t.client.invoke('explain.gradcam', { runId, imageId: 1 });
    expect(cam.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect((await t.client.invoke('system.doctor', {})).rungs.map((r) => r.rung)).toEqual([...BACKEND_RUNGS]);
    expect((await t.client.invoke('weights.list', {})).length).toBeGreaterThan(0);
    expect(loaded()).toBe(false);
  }, 180_000);
});
