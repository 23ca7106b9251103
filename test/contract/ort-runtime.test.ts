import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvaluationMetrics, PredictResult } from '../../shared/domain/evaluation.ts';
import { checkpointFile } from '../../electron/engine/runs/checkpoint-file.ts';
import { getRun } from '../../electron/engine/runs/store.ts';
import { fillSampleProject } from '../../electron/engine/runs/testing/sample-project.ts';
import { type TestEngine, createTestProject } from '../../electron/engine/testing/test-engine.ts';
import { labelledImages } from '../../electron/engine/evaluation/data.ts';

/** A resnet18 `top` run (32 px): its feature pass, evaluation and prediction run on onnxruntime, as TF.js would. */
let t: TestEngine;
let runId: number;
const classes = ['normal', 'effusion', 'nodule'];
const db = () => t.engine.ctx.project().db;

beforeAll(async () => {
  t = await createTestProject();
  await fillSampleProject(db(), t.projectDir, { perClass: 5, classes });
  const started = await t.client.invoke('runs.start', { backbone: 'resnet18', imageSize: 32, batchSize: 8, lr: 0.05, backend: 'cpu', seed: 7, strategy: 'top', epochs: 1, augment: false });
  runId = started.runId;
  expect((await t.client.invoke('job.wait', { jobId: started.jobId })).status).toBe('completed');
}, 240_000);
afterAll(async () => {
  await t.dispose();
});

/** TF.js's probabilities for the validation split, computed here (the test process may load TensorFlow). */
async function tfjsValidation(): Promise<Map<number, number[]>> {
  const images = labelledImages(db(), 'val', classes);
  const { loadRunModel, predictImages, tfjsPredictor } = await import('../../electron/model-host/inference.ts');
  const model = await loadRunModel({ runId, config: getRun(db(), runId).config, checkpoint: checkpointFile(db(), t.projectDir, runId) });
  try {
    const probs = await predictImages(tfjsPredictor(model), images);
    return new Map(images.map((img, i) => [img.id, probs[i]]));
  } finally {
    model.dispose();
  }
}

describe('evaluation and prediction on onnxruntime', () => {
  it("the run's frozen features (top) were computed on onnxruntime, as its summary records", async () => {
    const run = await t.client.invoke('runs.get', { runId });
    expect(run.summary?.featureRuntime).toMatchObject({ runtime: 'onnxruntime', fallback: null });
    expect(run.summary!.featureRuntime!.maxAbsDiff).toBeLessThan(1e-3);
  });

  it('eval.run runs on onnxruntime, records it, and stores TF.js-equal probabilities; predict.start reuses the conversion', async () => {
    const evalJob = await t.client.invoke('job.wait', await t.client.invoke('eval.run', { runId, split: 'val' }));
    expect(evalJob.status, evalJob.error?.message).toBe('completed');
    const metrics = evalJob.result as EvaluationMetrics;
    expect(metrics.runtime).toMatchObject({ runtime: 'onnxruntime', conversion: 'fresh', fallback: null });
    expect((await t.client.invoke('eval.get', { runId }))?.runtime).toEqual(metrics.runtime);

    const reference = await tfjsValidation();
    const stored = db().prepare('SELECT image_id AS id, probs FROM predictions WHERE run_id = ?').all(runId) as { id: number; probs: string }[];
    const evaluated = stored.filter((r) => reference.has(r.id));
    expect(evaluated.length).toBe(reference.size);
    let worst = 0;
    for (const r of evaluated) JSON.parse(r.probs).forEach((p: number, k: number) => (worst = Math.max(worst, Math.abs(p - reference.get(r.id)![k]))));
    expect(worst).toBeLessThan(1e-4);

    const predictJob = await t.client.invoke('job.wait', await t.client.invoke('predict.start', { runId, scope: 'all' }));
    expect(predictJob.status, predictJob.error?.message).toBe('completed');
    expect((predictJob.result as PredictResult).runtime).toMatchObject({ runtime: 'onnxruntime', conversion: 'cached', fallback: null });
  });
});
