import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvaluationMetrics } from '../../../shared/domain/evaluation.ts';
import { expectedCalibrationError, reliabilityCurve } from '../../../shared/metrics/calibration.ts';
import { argmaxRows, classificationReport } from '../../../shared/metrics/classification.ts';
import { bootstrapAucInterval, wilsonInterval } from '../../../shared/metrics/intervals.ts';
import { operatingPoint, thresholdForSensitivity } from '../../../shared/metrics/operating-point.ts';
import { averagePrecision, prCurve, rocAuc, rocCurve } from '../../../shared/metrics/roc.ts';
import { labelledImages } from './data.ts';
import { onHost } from '../host/host-job.ts';
import { checkpointFile } from '../runs/checkpoint-file.ts';
import { getRun } from '../runs/store.ts';
import { fillSampleProject } from '../runs/testing/sample-project.ts';
import { type TestEngine, createTestProject } from '../testing/test-engine.ts';

/** One tiny run trained once; every test evaluates or explains it. */
let t: TestEngine;
let runId: number;
let testIds: number[];
const classes = ['normal', 'effusion', 'nodule'];
const db = () => t.engine.ctx.project().db;

beforeAll(async () => {
  t = await createTestProject();
  const { imageIds } = await fillSampleProject(db(), t.projectDir, { perClass: 14, classes });
  // The last 4 images of each class form the test split.
  testIds = imageIds.filter((_, i) => i % 14 >= 10);
  const move = db().prepare(`UPDATE splits SET split = 'test', locked = 1 WHERE image_id = ?`);
  for (const id of testIds) move.run(id);
  const started = await t.client.invoke('runs.start', { backbone: 'test-tiny-resnet', imageSize: 64, batchSize: 8, lr: 0.05, backend: 'cpu', seed: 7, strategy: 'full', epochs: 10, augment: false });
  runId = started.runId;
  expect((await t.client.invoke('job.wait', { jobId: started.jobId })).status).toBe('completed');
}, 120_000);
afterAll(async () => {
  await t.dispose();
});

/** The probabilities and truth the evaluation stored, read back from the predictions table. */
function storedSamples(ids: number[]) {
  const label = db().prepare(`SELECT c.name FROM labels l JOIN classes c ON c.id = l.class_id WHERE l.image_id = ?`).pluck();
  const pred = db().prepare('SELECT probs FROM predictions WHERE run_id = ? AND image_id = ?').pluck();
  return {
    truth: ids.map((id) => classes.indexOf(label.get(id) as string)),
    probs: ids.map((id) => JSON.parse(pred.get(runId, id) as string) as number[]),
  };
}

function storedTruth(ids: number[]): number[] {
  const label = db().prepare(`SELECT c.name FROM labels l JOIN classes c ON c.id = l.class_id WHERE l.image_id = ?`).pluck();
  return ids.map((id) => classes.indexOf(label.get(id) as string));
}

const json = <T>(x: T): T => JSON.parse(JSON.stringify(x));

/** The validation split's labels and the best checkpoint's probabilities on it, predicted by a model host of their own. */
async function validationSamples() {
  const images = labelledImages(db(), 'val', classes);
  const model = { runId, config: getRun(db(), runId).config, checkpoint: checkpointFile(db(), t.projectDir, runId) };
  const { probs } = await onHost('predict', { model, images: images.map(({ id, path, frame }) => ({ id, path, frame })) }, { what: 'prediction' });
  return { truth: images.map((i) => i.truth[0]), probs };
}

async function waitFor({ jobId }: { jobId: string }) {
  const job = await t.client.invoke('job.wait', { jobId });
  expect(job.status, job.error?.message).toBe('completed');
}

describe('eval.run / eval.get', () => {
  let m: EvaluationMetrics;
  beforeAll(async () => {
    const { jobId } = await t.client.invoke('eval.run', { runId });
    const job = await t.client.invoke('job.wait', { jobId });
    expect(job.status).toBe('completed');
    m = (await t.client.invoke('eval.get', { runId }))!;
  }, 60_000);

  it('evaluates the test split: accuracy high on the easy data, confusion sums to the test count', async () => {
    expect(m.split).toBe('test');
    expect(m.images).toBe(testIds.length);
    expect(m.confusion!.flat().reduce((a, b) => a + b, 0)).toBe(12);
    const run = await t.client.invoke('runs.get', { runId });
    expect(m.accuracy, `val accuracy ${run.summary?.valAccuracy}`).toBeGreaterThanOrEqual(0.9);
    expect(m.perClass.map((c) => c.support)).toEqual([4, 4, 4]);
  });

  it('stores exactly what the metrics library computes from the stored predictions', () => {
    const { truth, probs } = storedSamples(testIds);
    const pred = argmaxRows(probs);
    const report = classificationReport(truth, pred, 3);
    expect(m.confusion).toEqual(report.confusion);
    expect(m.accuracy).toBe(report.accuracy);
    expect(m.balancedAccuracy).toBe(report.balancedAccuracy);
    expect(m.macro).toEqual(report.macro);
    expect(m.weighted).toEqual(report.weighted);
    for (let k = 0; k < 3; k++) {
      const y = truth.map((c) => (c === k ? 1 : 0));
      const s = probs.map((p) => p[k]);
      const c = m.perClass[k];
      expect({ precision: c.precision, recall: c.recall, f1: c.f1, support: c.support }).toEqual(report.perClass[k]);
      expect(c.auc).toBe(rocAuc(y, s));
      expect(c.aucInterval).toEqual(bootstrapAucInterval(y, s, { resamples: 1000, seed: 0 }));
      expect(c.averagePrecision).toBe(averagePrecision(y, s));
      expect(c.roc).toEqual(json(rocCurve(y, s)));
      expect(c.pr).toEqual(prCurve(y, s));
      const tp = pred.filter((p, i) => p === k && y[i] === 1).length;
      const tn = pred.filter((p, i) => p !== k && y[i] === 0).length;
      expect(c.sensitivity).toBe(tp / 4);
      expect(c.specificity).toBe(tn / 8);
      expect(c.sensitivityInterval).toEqual(wilsonInterval(tp, 4));
      expect(c.specificityInterval).toEqual(wilsonInterval(tn, 8));
    }
    const conf = probs.map((p, i) => p[pred[i]]);
    const correct = pred.map((p, i) => (p === truth[i] ? 1 : 0));
    expect(m.calibration.ece).toBe(expectedCalibrationError(conf, correct, 10));
    expect(m.calibration.reliability).toEqual(reliabilityCurve(correct, conf, 10));
    expect(m.misclassified.map((x) => x.imageId)).toEqual(testIds.filter((_, i) => !correct[i]));
  });

  it('chooses the operating point on the validation split and reports it on the test split, each figure naming its split', async () => {
    const val = await validationSamples();
    const test = storedSamples(testIds);
    const op = await t.client.invoke('eval.threshold', { runId, className: 'nodule', targetSensitivity: 0.75 });
    const yVal = val.truth.map((c) => (c === 2 ? 1 : 0));
    const yTest = test.truth.map((c) => (c === 2 ? 1 : 0));
    const chosen = thresholdForSensitivity(yVal, val.probs.map((p) => p[2]), 0.75);
    const onTest = operatingPoint(yTest, test.probs.map((p) => p[2]), chosen.threshold);
    expect(op.threshold).toBe(chosen.threshold);
    expect(op.chosen).toMatchObject({ split: 'val', images: 12, sensitivity: chosen.sensitivity, specificity: chosen.specificity, specificityInterval: chosen.specificityInterval });
    expect(op.chosen.sensitivity).toBeGreaterThanOrEqual(0.75);
    expect(op.reported).toMatchObject({ split: 'test', images: 12, sensitivity: onTest.sensitivity, specificity: onTest.specificity, truePositives: onTest.truePositives, falsePositives: onTest.falsePositives });
    expect(op.reported.sensitivityInterval).toEqual(wilsonInterval(onTest.truePositives, 4));
    expect(op.reported.specificityInterval).toEqual(wilsonInterval(onTest.trueNegatives, 8));
    expect(op.sameSplit).toBe(false);
    expect(op.note).toBe('Threshold chosen on the validation split (12 images); sensitivity and specificity reported on the test split (12 images), which it was not chosen on.');

    await expect(t.client.invoke('eval.threshold', { runId, className: 'fracture', targetSensitivity: 0.9 })).rejects.toMatchObject({
      code: 'validation',
      message: expect.stringContaining('normal, effusion, nodule'),
    });
  });

  it('refuses an empty split with a validation error that says what to do', async () => {
    const valIds = db().prepare(`SELECT image_id FROM splits WHERE split = 'val'`).pluck().all() as number[];
    db().prepare(`UPDATE splits SET split = 'train' WHERE split = 'val'`).run();
    try {
      await expect(t.client.invoke('eval.run', { runId, split: 'val' })).rejects.toMatchObject({
        code: 'validation',
        message: expect.stringContaining('validation split has no labelled image'),
      });
    } finally {
      const back = db().prepare(`UPDATE splits SET split = 'val' WHERE image_id = ?`);
      for (const id of valIds) back.run(id);
    }
  });
});

describe('predict.start', () => {
  it('predicts exactly the unlabeled, non-excluded images and stores their uncertainty', async () => {
    const valIds = db().prepare(`SELECT image_id FROM splits WHERE split = 'val' ORDER BY image_id`).pluck().all() as number[];
    const truth = storedTruth(valIds);
    const unlabeled = valIds.slice(0, 6);
    db().prepare(`DELETE FROM labels WHERE image_id IN (${unlabeled.join(',')})`).run();
    db().prepare('UPDATE images SET excluded = 1 WHERE id = ?').run(unlabeled[5]);
    const { jobId } = await t.client.invoke('predict.start', { runId });
    const job = await t.client.invoke('job.wait', { jobId });
    // The tiny test config is a real ResNet, so it converts: the job says it ran on onnxruntime, checked against TF.js.
    expect(job.result).toEqual({ runId, predicted: 5, scope: 'unlabeled', runtime: expect.objectContaining({ runtime: 'onnxruntime', fallback: null }) });
    const page = await t.client.invoke('predict.list', { runId, sort: 'confidence', limit: 1000 });
    const fresh = page.items.filter((p) => unlabeled.includes(p.imageId));
    expect(fresh.map((p) => p.imageId).sort((a, b) => a - b)).toEqual(unlabeled.slice(0, 5));
    for (const p of fresh) {
      expect(p.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(p.confidence).toBe(Math.max(...p.probs));
      expect(p.predictedClass).toBe(argmaxRows([p.probs])[0]);
    }
    // The easy data: the model predicts the class the images had before their labels were removed.
    const right = fresh.filter((p) => p.predictedClass === truth[valIds.indexOf(p.imageId)]).length;
    expect(right).toBeGreaterThanOrEqual(4);
  });
});

describe('explain.gradcam and the gradcam/ overlay', () => {
  it('returns a normalised heatmap at the feature grid and the input size with the predicted probabilities', async () => {
    const r = await t.client.invoke('explain.gradcam', { runId, imageId: testIds[0] });
    expect(r.probs).toHaveLength(3);
    expect(r.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(r.classIndex).toBe(argmaxRows([r.probs])[0]);
    expect([r.grid.width, r.grid.height, r.grid.values.length]).toEqual([2, 2, 4]); // a ResNet's stride 32 on 64 px
    expect([r.heatmap.width, r.heatmap.height, r.heatmap.values.length]).toEqual([64, 64, 4096]);
    expect(Math.max(...r.grid.values)).toBeLessThanOrEqual(1);
    expect(Math.min(...r.heatmap.values)).toBeGreaterThanOrEqual(0);
    const other = await t.client.invoke('explain.gradcam', { runId, imageId: testIds[0], classIndex: 2 });
    expect(other.className).toBe('nodule');
  });

  it('renders a PNG overlay of the requested size', async () => {
    const sharp = (await import('sharp')).default;
    const asset = await t.engine.ctx.assets.resolve(`gradcam/${testIds[0]}`, new URLSearchParams(`run=${runId}&size=64`));
    expect(asset.contentType).toBe('image/png');
    const meta = await sharp(asset.body).metadata();
    expect([meta.width, meta.height, meta.channels]).toEqual([64, 64, 3]);
    await expect(t.engine.ctx.assets.resolve(`gradcam/${testIds[0]}`, new URLSearchParams('size=64'))).rejects.toMatchObject({ code: 'validation' });
  });
});

// Last: these evaluate the validation split and then break the checkpoint.
describe('eval.threshold after a validation-only evaluation, and a NaN model', () => {
  it('chooses and reports on the validation split, and says the figures are optimistic', async () => {
    const val = await validationSamples();
    await waitFor(await t.client.invoke('eval.run', { runId, split: 'val' }));
    const op = await t.client.invoke('eval.threshold', { runId, className: 'nodule', targetSensitivity: 0.75 });
    const y = val.truth.map((c) => (c === 2 ? 1 : 0));
    const ref = thresholdForSensitivity(y, val.probs.map((p) => p[2]), 0.75);
    expect(op.threshold).toBe(ref.threshold);
    expect(op.reported).toEqual(op.chosen);
    // The predict.start test above took the labels off 6 of the 12 validation images.
    expect(val.truth.length).toBe(6);
    expect(op.reported).toMatchObject({ split: 'val', images: val.truth.length, sensitivity: ref.sensitivity, specificity: ref.specificity, specificityInterval: ref.specificityInterval });
    expect(op.sameSplit).toBe(true);
    expect(op.note).toBe(
      `Threshold chosen and reported on the same validation split (${val.truth.length} images), so sensitivity and specificity are optimistic. Evaluate on the test split to report them on images the threshold was not chosen on.`,
    );
  });

  it('fails the evaluation of a model with NaN weights, naming the count and the likely cause, and stores nothing', async () => {
    const file = checkpointFile(db(), t.projectDir, runId);
    const before = db().prepare('SELECT count(*) FROM evaluations WHERE run_id = ?').pluck().get(runId);
    poisonSafetensors(file, (name) => name.endsWith('bias'));
    const { jobId } = await t.client.invoke('eval.run', { runId });
    const job = await t.client.invoke('job.wait', { jobId });
    expect(job.status).toBe('failed');
    expect(job.error?.message).toBe(
      `Run ${runId} gives NaN or infinite scores on the test split: 36 of 36 values, on 12 of 12 images. ` +
        'Its weights are most likely NaN or infinite (a diverged run, usually too high a learning rate): train it again with a lower learning rate. No metric was computed from these scores.',
    );
    expect(db().prepare('SELECT count(*) FROM evaluations WHERE run_id = ?').pluck().get(runId)).toBe(before);
  });
});

/** Overwrite the values of the matching float32 tensors of a safetensors file with NaN, in place. */
function poisonSafetensors(file: string, match: (name: string) => boolean): void {
  const buf = readFileSync(file);
  const headerLength = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, { dtype: string; data_offsets: [number, number] }>;
  let poisoned = 0;
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__' || info.dtype !== 'F32' || !match(name)) continue;
    for (let o = 8 + headerLength + info.data_offsets[0]; o < 8 + headerLength + info.data_offsets[1]; o += 4) buf.writeFloatLE(Number.NaN, o);
    poisoned++;
  }
  expect(poisoned).toBeGreaterThan(0);
  writeFileSync(file, buf);
}
