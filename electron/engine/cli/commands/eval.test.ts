import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillSampleProject } from '../../runs/testing/sample-project.ts';
import { type TestEngine, createTestProject } from '../../testing/test-engine.ts';
import { runCli } from '../../testing/cli.ts';
import { computeEvaluation } from '../../evaluation/metrics.ts';
import { describeEvaluation, describeOperatingPoint } from './eval.ts';

let t: TestEngine;
let runId: number;
/** The run's checkpoints (epoch, best or not) and the validation accuracy its trainer measured after each epoch. */
let checkpoints: { epoch: number; is_best: number }[];
let valAccuracy: Map<number, number>;
const previousHome = process.env.LABELTUNE_HOME;

/**
 * A trained tiny run on a project with a locked test split, closed again so that the CLI opens it.
 * The rate is high on purpose: the run overshoots after its best epoch (6 of 8), so best and last differ.
 */
beforeAll(async () => {
  t = await createTestProject();
  process.env.LABELTUNE_HOME = join(t.tmp, 'cli-home');
  const db = t.engine.ctx.project().db;
  const { imageIds } = await fillSampleProject(db, t.projectDir, { perClass: 12, classes: ['a', 'b'] });
  for (const id of imageIds.filter((_, i) => i % 12 >= 9)) db.prepare(`UPDATE splits SET split = 'test', locked = 1 WHERE image_id = ?`).run(id);
  const started = await t.client.invoke('runs.start', { backbone: 'test-tiny-resnet', imageSize: 16, batchSize: 8, lr: 1, backend: 'cpu', seed: 7, strategy: 'full', epochs: 8, augment: false });
  runId = started.runId;
  await t.client.invoke('job.wait', { jobId: started.jobId });
  checkpoints = db.prepare('SELECT epoch, is_best FROM checkpoints WHERE run_id = ? ORDER BY epoch').all(runId) as typeof checkpoints;
  const rows = db.prepare('SELECT epoch, val_accuracy FROM run_metrics WHERE run_id = ?').all(runId) as { epoch: number; val_accuracy: number }[];
  valAccuracy = new Map(rows.map((r) => [r.epoch, r.val_accuracy]));
  await t.engine.ctx.setProject(null);
}, 120_000);
afterAll(async () => {
  process.env.LABELTUNE_HOME = previousHome;
  await t.dispose();
});

const run = runCli;

describe('labeltune eval', () => {
  it('--json prints the stored metrics and the asked operating point', async () => {
    const { code, out } = await run('eval', t.projectDir, '--run', String(runId), '--class', 'b', '--sensitivity', '0.5', '--json');
    expect(code).toBe(0);
    const doc = JSON.parse(out);
    expect(doc).toMatchObject({ runId, split: 'test', images: 6, classes: ['a', 'b'], positiveClass: 1 });
    expect(doc.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(6);
    expect(doc.perClass[0].auc).toBeNull(); // binary: curves only for the positive class
    expect(doc.perClass[1].auc).toBeGreaterThanOrEqual(0);
    // Chosen on the validation split (where it reaches the target by construction), reported on test.
    expect(doc.operatingPoint.chosen).toMatchObject({ split: 'val', images: 6 });
    expect(doc.operatingPoint.chosen.sensitivity).toBeGreaterThanOrEqual(0.5);
    expect(doc.operatingPoint.reported).toMatchObject({ split: 'test', images: 6 });
    expect(doc.operatingPoint.sameSplit).toBe(false);
    expect(doc.operatingPoint.className).toBe('b');
  });

  it('prints a readable summary, and usage errors exit 2', async () => {
    const { code, out } = await run('eval', t.projectDir, '--run', String(runId));
    expect(code).toBe(0);
    const best = checkpoints.find((c) => c.is_best)!.epoch;
    expect(out).toContain(`Run ${runId} (best checkpoint, epoch ${best}) on the test split: 6 images, 2 classes`);
    expect(out).toMatch(/Confusion matrix/);
    expect((await run('eval', t.projectDir)).code).toBe(2);
    expect((await run('eval', t.projectDir, '--run', String(runId), '--split', 'train')).code).toBe(2);
    expect((await run('eval', t.projectDir, '--run', String(runId), '--checkpoint', 'first')).code).toBe(2);
    const missing = await run('eval', t.projectDir, '--run', '99');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('There is no run 99');
  });
});

describe('describeOperatingPoint', () => {
  const f = (split: 'val' | 'test', images: number, sensitivity: number, specificity: number) => ({
    split, images, sensitivity, specificity, sensitivityInterval: { low: 0.5, high: 0.99 }, specificityInterval: { low: 0.6, high: 0.95 },
    truePositives: 0, falseNegatives: 0, trueNegatives: 0, falsePositives: 0,
  });
  const op = { runId: 1, className: 'b', targetSensitivity: 0.9, threshold: 0.31, chosen: f('val', 40, 0.944, 0.8), reported: f('test', 50, 0.895, 0.78), sameSplit: false, note: 'Threshold chosen on the validation split.' };

  it('says which split each number comes from', () => {
    expect(describeOperatingPoint(op).split('\n')).toEqual([
      'Operating point for "b" at sensitivity ≥ 90.0%: threshold 0.3100',
      '  Reported: sensitivity 89.5% [50.0%–99.0%], specificity 78.0% [60.0%–95.0%] on the test split (50 images)',
      '  Chosen on: sensitivity 94.4% [50.0%–99.0%], specificity 80.0% [60.0%–95.0%] on the validation split (40 images)',
      '  Threshold chosen on the validation split.',
    ]);
  });

  it('calls figures chosen and reported on one split optimistic', () => {
    const same = { ...op, chosen: op.chosen, reported: op.chosen, sameSplit: true, note: 'Same split.' };
    expect(describeOperatingPoint(same)).toContain('Chosen and reported on the same split (optimistic): sensitivity 94.4% [50.0%–99.0%], specificity 80.0% [60.0%–95.0%] on the validation split (40 images)');
  });
});

describe('describeEvaluation accuracy names', () => {
  it('multi-label: accuracy per label and exact-match accuracy, each by its name', () => {
    const probs = [[0.9, 0.2, 0.6], [0.1, 0.8, 0.3], [0.7, 0.6, 0.1], [0.2, 0.1, 0.9]];
    const m = computeEvaluation({ runId: 1, split: 'test', classes: ['a', 'b', 'c'], multiLabel: true, createdAt: 'now' }, { imageIds: [1, 2, 3, 4], truth: [[0, 2], [1], [0], [2]], probs });
    expect(describeEvaluation(m).split('\n')[1]).toMatch(/^Accuracy \(per label\) 91\.7% {3}exact-match accuracy 75\.0% {3}ECE /);
  });

  it('single-label: plain accuracy', () => {
    const m = computeEvaluation({ runId: 1, split: 'test', classes: ['a', 'b'], multiLabel: false, createdAt: 'now' }, { imageIds: [1, 2], truth: [[0], [1]], probs: [[0.8, 0.2], [0.6, 0.4]] });
    expect(describeEvaluation(m).split('\n')[1]).toMatch(/^Accuracy 50\.0% {3}balanced accuracy 50\.0% {3}ECE /);
  });

  it('--checkpoint best|last evaluates that checkpoint: each at the validation accuracy its epoch reported', async () => {
    const best = checkpoints.find((c) => c.is_best)!.epoch;
    const last = checkpoints.at(-1)!.epoch;
    expect(last, 'the fixture run must end after its best epoch').toBeGreaterThan(best);
    const evaluate = async (...opts: string[]) => {
      const { code, out, err } = await run('eval', t.projectDir, '--run', String(runId), '--split', 'val', ...opts, '--json');
      expect(code, err).toBe(0);
      return JSON.parse(out);
    };
    const [byDefault, asBest, asLast] = [await evaluate(), await evaluate('--checkpoint', 'best'), await evaluate('--checkpoint', 'last')];
    expect(asBest.checkpoint).toEqual({ which: 'best', epoch: best });
    expect(byDefault.checkpoint).toEqual({ which: 'best', epoch: best });
    expect(asLast.checkpoint).toEqual({ which: 'last', epoch: last });
    expect(asBest.accuracy).toBeCloseTo(valAccuracy.get(best)!, 12);
    expect(asLast.accuracy).toBeCloseTo(valAccuracy.get(last)!, 12);
    // Different weights, different probabilities: the calibration error of the two differs.
    expect(asLast.calibration.ece).not.toBe(asBest.calibration.ece);
    expect(byDefault.calibration.ece).toBe(asBest.calibration.ece);
  });
});
