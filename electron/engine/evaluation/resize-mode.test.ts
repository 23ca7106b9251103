import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportInfo } from '../../../shared/domain/export.ts';
import type { ResizeMode } from '../../../shared/domain/run.ts';
import { fillSampleProject } from '../runs/testing/sample-project.ts';
import { type TestEngine, createTestProject } from '../testing/test-engine.ts';
import { onHost } from '../host/host-job.ts';
import { checkpointFile } from '../runs/checkpoint-file.ts';
import { getRun } from '../runs/store.ts';

/**
 * A run trained with resize 'pad' on wide (48x24) images must be evaluated, exported and
 * predicted with pad too: on such images crop and pad give the model different pixels, so the
 * stored probabilities tell which one was used.
 */
let t: TestEngine;
let runId: number;
const db = () => t.engine.ctx.project().db;
const base = { backbone: 'resnet18', strategy: 'linear', epochs: 1, imageSize: 32, batchSize: 6, backend: 'cpu', seed: 3 } as const;

beforeAll(async () => {
  t = await createTestProject('Resize project');
  await fillSampleProject(db(), t.projectDir, { perClass: 6, classes: ['ok', 'scratch'], size: 24, width: 48 });
  const started = await t.client.invoke('runs.start', { ...base, resize: 'pad' });
  runId = started.runId;
  expect((await t.client.invoke('job.wait', { jobId: started.jobId })).status).toBe('completed');
}, 300_000);
afterAll(() => t?.dispose());

const maxDiff = (a: number[][], b: number[][]) => Math.max(...a.flatMap((row, i) => row.map((v, k) => Math.abs(v - b[i][k]))));

/** Validation images with their stored evaluation probabilities. */
function storedVal(): { images: { id: number; path: string; frame: number }[]; paths: string[]; probs: number[][] } {
  const rows = db()
    .prepare(`SELECT i.id, i.path, i.frame, p.probs FROM images i JOIN splits s ON s.image_id = i.id JOIN predictions p ON p.image_id = i.id AND p.run_id = ? WHERE s.split = 'val' ORDER BY i.path`)
    .all(runId) as { id: number; path: string; frame: number; probs: string }[];
  return { images: rows.map(({ id, path, frame }) => ({ id, path, frame })), paths: rows.map((r) => r.path), probs: rows.map((r) => JSON.parse(r.probs) as number[]) };
}

/** The run's best checkpoint on `images`, predicted by a model host with the run's config but the given resize mode. */
async function predictWith(resize: ResizeMode, images: { id: number; path: string; frame: number }[]): Promise<number[][]> {
  const model = { runId, config: { ...getRun(db(), runId).config, resize }, checkpoint: checkpointFile(db(), t.projectDir, runId) };
  return (await onHost('predict', { model, images }, { what: 'prediction' })).probs;
}

/** The crop probabilities of the validation images, kept for the last test (a run without a resize field). */
let cropReference: number[][] = [];

describe('resize mode of a run', () => {
  it('is recorded in the run config; runs.plan defaults to crop and refuses an unknown mode', async () => {
    expect((await t.client.invoke('runs.get', { runId })).config.resize).toBe('pad');
    expect((await t.client.invoke('runs.plan', base)).config.resize).toBe('crop');
    await expect(t.client.invoke('runs.plan', { ...base, resize: 'squash' as never })).rejects.toMatchObject({ code: 'validation' });
  });

  it('evaluation preprocesses with pad: the stored probabilities are the pad ones, not the crop ones', async () => {
    const { jobId } = await t.client.invoke('eval.run', { runId, split: 'val' });
    expect((await t.client.invoke('job.wait', { jobId })).status).toBe('completed');
    const stored = storedVal();
    expect(stored.paths).toHaveLength(4);
    const [pad, crop] = [await predictWith('pad', stored.images), await predictWith('crop', stored.images)];
    cropReference = crop;
    console.log(`resize-mode eval: |stored - pad| ${maxDiff(stored.probs, pad).toExponential(2)}, |stored - crop| ${maxDiff(stored.probs, crop).toExponential(2)}`);
    expect(maxDiff(stored.probs, pad)).toBeLessThan(1e-6);
    expect(maxDiff(stored.probs, crop)).toBeGreaterThan(1e-4);
  }, 120_000);

  it('export writes resize "pad" into preprocessing.json, and predict with the export reproduces the evaluation', async () => {
    const { jobId } = await t.client.invoke('exports.start', { runId, format: 'tfjs' });
    const job = await t.client.invoke('job.wait', { jobId });
    expect(job.error).toBeNull();
    const info = job.result as ExportInfo;
    expect(info.parity).toMatchObject({ ok: true });
    const pre = JSON.parse(readFileSync(join(info.path, 'preprocessing.json'), 'utf8'));
    expect(pre).toMatchObject({ resize: 'pad', resizeShorterSide: null, padValue: 'mean (0 after normalisation)', inputSize: 32 });
    const stored = storedVal();
    const predicted = (await onHost('predictExport', { dir: info.path, paths: stored.paths }, { what: 'prediction' })).rows;
    expect(predicted.map((p) => p.error)).toEqual([null, null, null, null]);
    expect(maxDiff(predicted.map((p) => p.probs!), stored.probs)).toBeLessThan(1e-4);
    // predict reads the mode from preprocessing.json: the same export told to crop gives the crop probabilities.
    writeFileSync(join(info.path, 'preprocessing.json'), JSON.stringify({ ...pre, resize: 'crop' }));
    const cropped = (await onHost('predictExport', { dir: info.path, paths: stored.paths }, { what: 'prediction' })).rows;
    expect(maxDiff(cropped.map((p) => p.probs!), cropReference)).toBeLessThan(1e-4);
    expect(maxDiff(cropped.map((p) => p.probs!), stored.probs)).toBeGreaterThan(1e-4);
  }, 120_000);

  it('a run recorded before the field existed reads as crop, and is evaluated with crop', async () => {
    db().prepare(`UPDATE runs SET config = json_remove(config, '$.resize') WHERE id = ?`).run(runId);
    expect((await t.client.invoke('runs.get', { runId })).config.resize).toBe('crop');
    const { jobId } = await t.client.invoke('eval.run', { runId, split: 'val' });
    expect((await t.client.invoke('job.wait', { jobId })).status).toBe('completed');
    expect(maxDiff(storedVal().probs, cropReference)).toBeLessThan(1e-6);
  }, 120_000);
});
