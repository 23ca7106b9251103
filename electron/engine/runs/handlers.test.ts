import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunProgress } from '../../../shared/domain/run.ts';
import { type TestEngine, createTestProject } from '../testing/test-engine.ts';
import { coordinatorFor } from './coordinator.ts';
import { fillSampleProject } from './testing/sample-project.ts';

let t: TestEngine;
beforeEach(async () => {
  t = await createTestProject();
});
afterEach(async () => {
  delete process.env.LABELTUNE_TRAINER_CRASH_AFTER_EPOCH;
  delete process.env.LABELTUNE_TRAINER_CRASH_POINT;
  await t.dispose();
});

const db = () => t.engine.ctx.project().db;
const fill = (perClass = 12, classes = ['normal', 'effusion', 'nodule']) => fillSampleProject(db(), t.projectDir, { perClass, classes });
/** The LR rule's head rate for pretrained ResNets, and its rate for every group from scratch (docs/training.md). */
const HEAD_LR = { resnet: 1e-2 };
const SCRATCH_LR = 1e-3;

const tiny = { backbone: 'test-tiny-resnet', imageSize: 16, batchSize: 8, lr: 0.05, backend: 'cpu', seed: 7 } as const;

describe('runs: data checks and plan', () => {
  it('refuses to train without labels, without a split, or with one class', async () => {
    await expect(t.client.invoke('runs.plan', tiny)).rejects.toMatchObject({ code: 'validation', message: expect.stringContaining('no labels yet') });
    await fill(4, ['normal']);
    await expect(t.client.invoke('runs.plan', tiny)).rejects.toMatchObject({ code: 'validation', message: expect.stringContaining('Only one class (normal)') });
    db().prepare('DELETE FROM splits').run();
    await expect(t.client.invoke('runs.plan', tiny)).rejects.toMatchObject({ code: 'validation', message: expect.stringContaining('no train/validation split') });
  });

  it('plans auto for a small project with pretrained weights: top where full fine-tuning is slow, full where it fits minutes', async () => {
    await fill(8);
    db().prepare('UPDATE images SET excluded = 1 WHERE id = 1').run();
    // The plan counts parameters on a fresh model; any existing file stands for the weights here.
    const weights = join(t.projectDir, 'project.db');
    const slow = { backbone: 'resnet18', weights, imageSize: 224, epochs: 40, backend: 'wasm', strategy: 'auto' } as const;
    const plan = await t.client.invoke('runs.plan', slow);
    expect(plan.strategy).toBe('top');
    expect(plan.reason).toMatch(/^23 labelled images \(under 1000\), and fine-tuning every layer would take about \d+ min on wasm/);
    // layer4.1.conv2 (3·3·512·512) and bn2, and the head for 3 classes.
    expect(plan.trainableParams).toBe(9 * 512 * 512 + 1024 + 512 * 3 + 3);
    expect(plan.trainImages + plan.valImages).toBe(23);
    expect(plan.classCounts).toEqual({ normal: 6, effusion: 6, nodule: 6 }); // image 1 (excluded) was in val
    expect(plan.learningRates.head).toBe(HEAD_LR.resnet);
    expect(plan.learningRates.layer4).toBeCloseTo(HEAD_LR.resnet / 10, 15);
    expect(plan.config.augment).toBe(false);
    expect(plan.estimate.rung).toBe('wasm');
    const cheap = await t.client.invoke('runs.plan', { ...slow, imageSize: 32, epochs: 5 });
    expect(cheap.strategy).toBe('full');
    expect(cheap.reason).toMatch(/fits in about \d+ s on wasm here/);
    expect(cheap.estimate.seconds).toBeLessThan(60);
    expect(cheap.config.augment).toBe(true);
    await expect(t.client.invoke('runs.plan', { ...tiny, strategy: 'lora' })).rejects.toMatchObject({ code: 'unsupported' });
  });

  it('plans a batch that fits the backend\'s memory, refuses a batch or a model that cannot fit, and says so', async () => {
    await fill(4);
    const vit = { backbone: 'vit_small_patch16_224', weights: join(t.projectDir, 'project.db'), imageSize: 224, strategy: 'full', backend: 'wasm' } as const;
    // Measured: 821 MB of activations per image at 224 px; wasm's heap is 4 GiB.
    const plan = await t.client.invoke('runs.plan', vit);
    expect(plan.config.batchSize).toBe(2);
    expect(plan.estimate.memory.text).toMatch(/^about 2\.3 GB at batch 2 of the 3\.5 GB wasm can use \(batch 16 would need about 13\.8 GB\)$/);
    await expect(t.client.invoke('runs.plan', { ...vit, batchSize: 16 })).rejects.toMatchObject({ code: 'validation', message: expect.stringMatching(/needs about 13\.8 GB on wasm \(3\.5 GB usable\): use batch 2 or lower/) });
    await expect(t.client.invoke('runs.plan', { ...vit, backbone: 'vit_base_patch16_224' })).rejects.toMatchObject({ code: 'validation', message: expect.stringMatching(/^vit_base_patch16_224 at 224 px needs about 4\.1 GB to train even one image with full on wasm/) });
  });

  it('plans auto without pretrained weights as full training from scratch, and says so', async () => {
    await fill(8);
    const plan = await t.client.invoke('runs.plan', { ...tiny, lr: undefined, strategy: 'auto' });
    expect(plan.strategy).toBe('full');
    expect(plan.reason).toMatch(/No pretrained weights.*far lower accuracy.*pretrained weights/);
    expect(plan.trainableShare).toBe(1);
    expect(new Set(Object.values(plan.learningRates))).toEqual(new Set([SCRATCH_LR]));
    expect(plan.lrNote).toMatch(/No pretrained weights/);
    expect(plan.config.augment).toBe(true);
  });
});

describe('runs: training through the trainer process', () => {
  it('trains, records metrics rows, checkpoints and progress events', async () => {
    await fill();
    const events: RunProgress[] = [];
    t.client.on('run.progress', (p) => events.push(p));
    const { runId, jobId } = await t.client.invoke('runs.start', { ...tiny, strategy: 'linear', epochs: 8 });
    const job = await t.client.invoke('job.wait', { jobId });
    expect(job.status).toBe('completed');
    const run = await t.client.invoke('runs.get', { runId });
    expect(run.status).toBe('completed');
    expect(run.backend).toBe('cpu');
    expect(run.metrics.map((m) => m.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(run.metrics[7].valAccuracy).toBeGreaterThanOrEqual(0.85);
    expect(run.metrics[7].learningRates.head).toBeGreaterThan(0);
    expect(run.metrics[7].extra).toMatchObject({ backend: 'cpu', cachedPrefix: 5 });
    expect(run.summary).toMatchObject({ epochs: 8, valAccuracy: run.metrics[7].valAccuracy });
    expect(run.trainableShare).toBeCloseTo(27 / 6195, 12);
    expect(run.checkpoints.at(-1)).toMatchObject({ epoch: 8, path: `checkpoints/${runId}/epoch-008.safetensors` });
    expect(run.checkpoints.filter((c) => c.isBest)).toHaveLength(1);
    expect(events.filter((e) => e.phase === 'epoch-end').map((e) => e.metrics?.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // Every step's loss, as the events said it, for a window that reloads mid-run (few enough to keep all).
    const steps = events.filter((e) => e.phase === 'training' && e.steps > 0 && e.loss !== null);
    expect(steps.length).toBeGreaterThanOrEqual(8);
    expect(run.steps).toEqual(steps.map((e) => ({ x: e.epoch - 1 + e.step / e.steps, loss: e.loss, learningRates: e.learningRates, alpha: e.alpha })));
    expect(run.steps?.at(-1)?.x).toBe(8);
  });

  it('plans the duration from the pace a finished run measured here, else from GFLOPs', async () => {
    await fill();
    const linear = { ...tiny, strategy: 'linear', epochs: 4 } as const;
    const before = await t.client.invoke('runs.plan', linear);
    expect(before.estimate).toMatchObject({ source: 'gflops', text: expect.stringMatching(/GFLOPs; the monitor's ETA is measured from the first steps\)$/) });
    const { runId, jobId } = await t.client.invoke('runs.start', linear);
    expect((await t.client.invoke('job.wait', { jobId })).status).toBe('completed');
    const run = await t.client.invoke('runs.get', { runId });
    const rates = run.metrics.map((m) => m.imagesPerSec!).sort((a, b) => a - b);
    const median = rates[Math.floor((rates.length - 1) / 2)];
    const after = await t.client.invoke('runs.plan', { ...linear, epochs: 8 });
    expect(after.estimate.source).toBe('measured');
    expect(after.estimate.text).toContain(`measured: run #${runId} trained ${median.toFixed(1)} images/s here`);
    expect(after.estimate.seconds).toBeCloseTo((8 * (after.trainImages + after.valImages / 3)) / median, 9);
    // another image size or strategy has not been measured
    expect((await t.client.invoke('runs.plan', { ...linear, imageSize: 32 })).estimate.source).toBe('gflops');
    expect((await t.client.invoke('runs.plan', { ...tiny, strategy: 'full', epochs: 4 })).estimate.source).toBe('gflops');
  });

  it('marks the run failed with the reason when the trainer crashes, keeps serving, and resumes', async () => {
    await fill();
    process.env.LABELTUNE_TRAINER_CRASH_AFTER_EPOCH = '1';
    const { runId, jobId } = await t.client.invoke('runs.start', { ...tiny, strategy: 'linear', epochs: 3 });
    const job = await t.client.invoke('job.wait', { jobId });
    delete process.env.LABELTUNE_TRAINER_CRASH_AFTER_EPOCH;
    expect(job.status).toBe('failed');
    const failed = await t.client.invoke('runs.get', { runId });
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('exited with code 70');
    expect(failed.metrics.map((m) => m.epoch)).toEqual([1]);
    expect((await t.client.invoke('project.info', {})).counts.runs).toBe(1); // the engine keeps serving
    const resumed = await t.client.invoke('runs.resume', { runId });
    expect((await t.client.invoke('job.wait', { jobId: resumed.jobId })).status).toBe('completed');
    const done = await t.client.invoke('runs.get', { runId });
    expect(done.status).toBe('completed');
    expect(done.metrics.map((m) => m.epoch)).toEqual([1, 2, 3]);
  });

  it('survives kill -9 of the trainer after epoch 1: resume completes with every epoch', async () => {
    await fill();
    const { runId, jobId } = await t.client.invoke('runs.start', { ...tiny, strategy: 'full', epochs: 3, augment: false });
    const pid = await new Promise<number>((resolve) => {
      const off = t.client.on('run.progress', (p) => {
        if (p.phase === 'epoch-end' && p.metrics?.epoch === 1) {
          off();
          resolve(coordinatorFor(t.engine.ctx).pid(runId)!);
        }
      });
    });
    process.kill(pid, 'SIGKILL');
    expect((await t.client.invoke('job.wait', { jobId })).status).toBe('failed');
    const failed = await t.client.invoke('runs.get', { runId });
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('SIGKILL');
    const resumed = await t.client.invoke('runs.resume', { runId });
    expect((await t.client.invoke('job.wait', { jobId: resumed.jobId })).status).toBe('completed');
    const done = await t.client.invoke('runs.get', { runId });
    expect(done.metrics.map((m) => m.epoch)).toEqual([1, 2, 3]);
    expect(done.status).toBe('completed');
  });

  it('pauses after the current step and resumes the same trainer', async () => {
    await fill();
    const phases: string[] = [];
    const { runId, jobId } = await t.client.invoke('runs.start', { ...tiny, strategy: 'full', epochs: 2, augment: false });
    const paused = new Promise<void>((resolve) => {
      t.client.on('run.progress', (p) => {
        phases.push(p.phase);
        if (p.phase === 'training' && p.step >= 1 && !phases.includes('paused')) void t.client.invoke('runs.pause', { runId }).catch(() => {});
        if (p.phase === 'paused') resolve();
      });
    });
    await paused;
    expect((await t.client.invoke('runs.get', { runId })).status).toBe('paused');
    expect((await t.client.invoke('job.get', { jobId })).status).toBe('running');
    const resumed = await t.client.invoke('runs.resume', { runId });
    expect(resumed.jobId).toBe(jobId); // the same process continues
    expect((await t.client.invoke('job.wait', { jobId })).status).toBe('completed');
    const done = await t.client.invoke('runs.get', { runId });
    expect(done.status).toBe('completed');
    expect(done.metrics.map((m) => m.epoch)).toEqual([1, 2]);
  });

  it('cancels a run: the trainer stops and the run is cancelled', async () => {
    await fill();
    const { runId, jobId } = await t.client.invoke('runs.start', { ...tiny, strategy: 'full', epochs: 50, augment: false });
    await new Promise<void>((resolve) => t.client.on('run.progress', (p) => p.phase === 'training' && p.step >= 1 && resolve()));
    await t.client.invoke('runs.cancel', { runId });
    expect((await t.client.invoke('job.wait', { jobId })).status).toBe('cancelled');
    expect((await t.client.invoke('runs.get', { runId })).status).toBe('cancelled');
  });

  it('trains with an auxiliary task and logs α(t) of the cosine schedule every epoch', async () => {
    await fillSampleProject(db(), t.projectDir, { perClass: 8, classes: ['a', 'b'], aux: true });
    const plan = await t.client.invoke('runs.plan', { ...tiny, strategy: 'linear', epochs: 3, auxSchedule: 'cosine', auxAlpha: 0.5 });
    expect(plan.config.aux).toEqual({ classes: ['odd', 'even'], multiLabel: false, schedule: 'cosine', alpha: 0.5 });
    expect(plan.trainableGroups).toEqual(['head', 'aux_head']);
    const { runId, jobId } = await t.client.invoke('runs.start', { ...tiny, strategy: 'linear', epochs: 3, auxSchedule: 'cosine', auxAlpha: 0.5 });
    expect((await t.client.invoke('job.wait', { jobId })).status).toBe('completed');
    const run = await t.client.invoke('runs.get', { runId });
    const alphas = run.metrics.map((m) => m.alpha!);
    expect(alphas[0]).toBeCloseTo(0.5, 12);
    expect(alphas[1]).toBeCloseTo(0.25, 12);
    expect(alphas[2]).toBeCloseTo(0, 12);
    expect(Object.keys(run.metrics[0].learningRates).sort()).toEqual(['aux_head', 'head']);
    expect(run.trainableParams).toBe(plan.trainableParams); // the trainer counts the auxiliary head too
    expect(plan.trainableParams).toBe(8 * 2 + 2 + (8 * 2 + 2));
  });
});

describe('runs: a trainer killed at any checkpoint step leaves a resumable run', () => {
  const recordedFiles = (run: { checkpoints: { path: string }[] }) => run.checkpoints.map((c) => c.path.split('/').pop()).sort();

  // Checkpoint steps in order: the file is written, the engine records it (dropping epoch 1's row, as
  // epoch 2 is better), then the trainer deletes the dropped file. Files on disk after each kill:
  const cases = [
    ['written', [1], ['epoch-001.safetensors', 'epoch-002.safetensors']],
    ['recorded', [1, 2], ['epoch-001.safetensors', 'epoch-002.safetensors']],
    ['pruned', [1, 2], ['epoch-002.safetensors']],
  ] as const;
  for (const [point, epochsBefore, filesBefore] of cases) {
    it(`resumes and completes after a kill once epoch 2's checkpoint is ${point}`, async () => {
      await fill();
      process.env.LABELTUNE_TRAINER_CRASH_AFTER_EPOCH = '2';
      process.env.LABELTUNE_TRAINER_CRASH_POINT = point;
      const { runId, jobId } = await t.client.invoke('runs.start', { ...tiny, strategy: 'linear', epochs: 3 });
      expect((await t.client.invoke('job.wait', { jobId })).status).toBe('failed');
      delete process.env.LABELTUNE_TRAINER_CRASH_AFTER_EPOCH;
      delete process.env.LABELTUNE_TRAINER_CRASH_POINT;
      const failed = await t.client.invoke('runs.get', { runId });
      expect(failed.error).toContain('exited with code 70');
      expect(failed.metrics.map((m) => m.epoch)).toEqual(epochsBefore);
      expect(failed.checkpoints.map((c) => c.epoch).at(-1)).toBe(epochsBefore.at(-1));
      for (const c of failed.checkpoints) expect(existsSync(join(t.projectDir, c.path)), c.path).toBe(true);
      const dir = join(t.projectDir, 'checkpoints', String(runId));
      expect(readdirSync(dir).sort()).toEqual(filesBefore);
      // A partial checkpoint a killed write left behind is cleaned when the run resumes.
      writeFileSync(join(dir, '.epoch-003.safetensors.tmp'), 'partial');
      const resumed = await t.client.invoke('runs.resume', { runId });
      expect((await t.client.invoke('job.wait', { jobId: resumed.jobId })).status).toBe('completed');
      const done = await t.client.invoke('runs.get', { runId });
      expect(done.status).toBe('completed');
      expect(done.metrics.map((m) => m.epoch)).toEqual([1, 2, 3]);
      expect(done.checkpoints.at(-1)).toMatchObject({ epoch: 3 });
      // Only recorded checkpoints remain: no temp files, no pruned-but-not-deleted files.
      expect(readdirSync(dir).sort()).toEqual(recordedFiles(done));
    });
  }

  it('resumes a run whose recorded checkpoint file is gone (runs broken before this fix) from scratch', async () => {
    await fill();
    process.env.LABELTUNE_TRAINER_CRASH_AFTER_EPOCH = '1';
    const { runId, jobId } = await t.client.invoke('runs.start', { ...tiny, strategy: 'linear', epochs: 2 });
    expect((await t.client.invoke('job.wait', { jobId })).status).toBe('failed');
    delete process.env.LABELTUNE_TRAINER_CRASH_AFTER_EPOCH;
    const [ckpt] = (await t.client.invoke('runs.get', { runId })).checkpoints;
    rmSync(join(t.projectDir, ckpt.path));
    const resumed = await t.client.invoke('runs.resume', { runId });
    expect((await t.client.invoke('job.wait', { jobId: resumed.jobId })).status).toBe('completed');
    const done = await t.client.invoke('runs.get', { runId });
    expect(done.metrics.map((m) => m.epoch)).toEqual([1, 2]);
    for (const c of done.checkpoints) expect(existsSync(join(t.projectDir, c.path)), c.path).toBe(true);
  });

  it('removes partial checkpoints of runs that are not training when the project opens', async () => {
    await fill();
    const { runId, jobId } = await t.client.invoke('runs.start', { ...tiny, strategy: 'linear', epochs: 1 });
    expect((await t.client.invoke('job.wait', { jobId })).status).toBe('completed');
    const dir = join(t.projectDir, 'checkpoints', String(runId));
    const orphan = join(t.projectDir, 'checkpoints', '99');
    mkdirSync(orphan, { recursive: true });
    writeFileSync(join(dir, '.epoch-002.safetensors.tmp'), 'partial');
    writeFileSync(join(orphan, '.epoch-001.safetensors.tmp'), 'partial');
    writeFileSync(join(dir, 'notes.txt'), 'not a checkpoint: kept');
    await t.engine.ctx.setProject(null);
    await t.client.invoke('project.open', { dir: t.projectDir });
    expect(readdirSync(dir).sort()).toEqual(['epoch-001.safetensors', 'notes.txt']);
    expect(readdirSync(orphan)).toEqual([]);
  });
});
