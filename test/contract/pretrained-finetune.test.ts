import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunOptions } from '../../shared/contract/runs.ts';
import type { EvaluationMetrics } from '../../shared/domain/evaluation.ts';
import type { RunDetail, RunPlan } from '../../shared/domain/run.ts';
import { fashionMnistAvailable, writeFashionMnistFolders } from '../../electron/engine/datasets/testing/fashion-mnist.ts';
import { type TestEngine, createTestProject } from '../../electron/engine/testing/test-engine.ts';
import { requireInCi } from '../../electron/engine/testing/require-in-ci.ts';

/**
 * The path a user takes, on real weights: backbones genuinely pretrained on Fashion-MNIST classes
 * 0-4 (../shared/fixtures/pretrained) are fine-tuned on 40 labels per class of classes 5-9, never
 * seen in pretraining, through the engine and the trainer process, with the defaults (no LR given),
 * and judged on 200 held-out test images (chance: 0.2). Figures: docs/benchmarks.md, "Fine-tuning
 * pretrained backbones".
 */
const PRETRAINED = fileURLToPath(new URL('../../../shared/fixtures/pretrained/', import.meta.url));
const RESNET = join(PRETRAINED, 'resnet18-fmnist0-4', 'model.safetensors');
const VIT = join(PRETRAINED, 'vit_tiny_patch16_224-fmnist0-4', 'model.safetensors');
const ready = requireInCi(
  [existsSync(RESNET) && existsSync(VIT), `pretrained fixtures missing under ${PRETRAINED}: they come with ../shared`],
  [fashionMnistAvailable(), 'Fashion-MNIST missing: apt-get install dataset-fashion-mnist'],
);
const EPOCHS = 5;

interface Outcome {
  plan: RunPlan;
  run: RunDetail;
  /** Accuracy on the 200 held-out test images, at the checkpoint Evaluate uses. */
  test: number;
  /** Validation accuracy per epoch (100 images). */
  val: number[];
}

/** The first epoch (1-based) whose validation accuracy reaches `target`; Infinity if none does. */
const epochsTo = (o: Outcome, target: number) => {
  const i = o.val.findIndex((a) => a >= target);
  return i < 0 ? Infinity : i + 1;
};

describe.skipIf(!ready)('fine-tuning pretrained backbones with the default settings (Fashion-MNIST 0-4 → 5-9)', () => {
  let t: TestEngine;
  let images: string;

  beforeAll(async () => {
    t = await createTestProject('Fashion transfer');
    images = mkdtempSync(join(tmpdir(), 'labeltune-fashion-'));
    await writeFashionMnistFolders(images, 100);
    for (const c of ['t-shirt-top', 'trouser', 'pullover', 'dress', 'coat']) rmSync(join(images, c), { recursive: true });
    const { jobId } = await t.client.invoke('import.start', { paths: [images], classFolders: true });
    expect((await t.client.invoke('job.wait', { jobId })).status).toBe('completed');
    const split = await t.client.invoke('splits.create', { ratios: [0.4, 0.2, 0.4], seed: 1, groupBy: 'none' });
    expect([split.parts.train.images, split.parts.val.images, split.parts.test.images]).toEqual([200, 100, 200]);
  }, 120_000);
  afterAll(async () => {
    await t?.dispose();
    if (images) rmSync(images, { recursive: true, force: true });
  });

  async function train(opts: Omit<RunOptions, 'epochs' | 'seed'>): Promise<Outcome> {
    const options: RunOptions = { ...opts, epochs: EPOCHS, seed: 1 };
    const plan = await t.client.invoke('runs.plan', options);
    const { runId, jobId } = await t.client.invoke('runs.start', { ...options, strategy: plan.strategy });
    const job = await t.client.invoke('job.wait', { jobId });
    expect(job.error).toBeNull();
    const run = await t.client.invoke('runs.get', { runId });
    const ev = await t.client.invoke('job.wait', await t.client.invoke('eval.run', { runId, split: 'test' }));
    const metrics = ev.result as EvaluationMetrics;
    expect(metrics.images).toBe(200);
    const outcome = { plan, run, test: metrics.accuracy, val: run.metrics.map((m) => m.valAccuracy ?? 0) };
    console.log(`${opts.backbone} ${opts.strategy} -> ${plan.strategy}: test ${metrics.accuracy.toFixed(3)}, head lr ${run.config.lr.toExponential(1)}${run.config.lrSearch ? ` (range test: ${run.config.lrSearch.suggestion?.toExponential(1)})` : ''}, val ${outcome.val.map((a) => a.toFixed(2)).join(' ')} (95% of the last by epoch ${epochsTo(outcome, 0.95 * (outcome.val.at(-1) ?? 0))}), ${((Date.parse(run.finishedAt ?? '') - Date.parse(run.startedAt ?? '')) / 1000).toFixed(0)} s`);
    return outcome;
  }

  const resnet = { backbone: 'resnet18', weights: RESNET, imageSize: 32 } as const;
  const outcomes: Record<string, Outcome> = {};

  it('resnet18, auto, no LR: fine-tunes every layer (it fits minutes here), head 1e-2 and body a tenth, no warning', async () => {
    const o = (outcomes.auto = await train({ ...resnet, strategy: 'auto' }));
    expect(o.plan.strategy).toBe('full');
    expect(o.plan.learningRates.head).toBeCloseTo(10 * o.plan.learningRates.layer4, 12);
    // 60 steps: a 100-step range test would more than double the run, so the rule's rates stand.
    expect(o.plan.config.lrSearch).toBeNull();
    expect(o.plan.lrNote).toMatch(/No LR range test: its 100 steps would add 167% to this run/);
    expect(o.run.config.lr).toBe(o.plan.config.lr);
    expect(o.run.summary?.warnings).toEqual([]);
    expect(o.test).toBeGreaterThan(FLOOR.auto);
  }, 600_000);

  it('resnet18 without weights: auto trains from scratch and says so; auto with weights does as well and gets there in fewer epochs', async () => {
    const o = (outcomes.scratch = await train({ backbone: 'resnet18', imageSize: 32, strategy: 'auto' }));
    expect(o.plan.strategy).toBe('full');
    expect(o.plan.reason).toMatch(/^No pretrained weights/);
    const auto = outcomes.auto;
    expect(auto.test).toBeGreaterThanOrEqual(o.test - MARGIN.scratch);
    const target = 0.9 * Math.max(...o.val);
    expect(epochsTo(auto, target)).toBeLessThan(epochsTo(o, target));
  }, 600_000);

  it.each(['top', 'linear', 'gradual', 'adapter'] as const)('resnet18, %s, no LR: learns, clears its floor, no warning', async (strategy) => {
    const o = (outcomes[strategy] = await train({ ...resnet, strategy }));
    expect(o.run.summary?.warnings).toEqual([]);
    expect(o.test).toBeGreaterThan(FLOOR[strategy]);
    if (strategy === 'linear') {
      // On cached features the range test is nearly free: it ran, and the run trained at its suggestion within the band.
      const search = o.run.config.lrSearch!;
      expect(o.plan.config.lrSearch).toMatchObject({ steps: 100, low: 1e-2 / 3, high: 3e-2 });
      expect(search.suggestion).toBeGreaterThan(0);
      expect(o.run.config.lr).toBeCloseTo(Math.min(search.high, Math.max(search.low, search.suggestion!)), 12);
      expect(o.run.config.bodyLr / o.run.config.lr).toBeCloseTo(0.1, 12);
      expect(o.run.config.lrNote).toMatch(/An LR range test before training suggested \S+ for the new parts/);
      expect(o.run.metrics[0].learningRates.head).toBeLessThanOrEqual(o.run.config.lr);
    }
    if (strategy === 'gradual') {
      // layer-wise unfreezing at the guide's 20-50%: resnet18's layer4.1 (42%), unfrozen after the head's first epoch
      expect(o.plan.trainableParams / o.plan.totalParams).toBeCloseTo(0.42, 2);
      expect(o.run.metrics[0].extra.trainableGroups).toEqual(['head']);
      expect(o.run.metrics.at(-1)!.extra.trainableGroups).toEqual(['layer4', 'head']);
    }
  }, 600_000);

  it.each(['auto', 'top'] as const)('vit_tiny_patch16_224 at 64 px, %s, no LR: learns and clears its floor', async (strategy) => {
    const o = await train({ backbone: 'vit_tiny_patch16_224', weights: VIT, imageSize: 64, strategy, batchSize: 16 });
    if (strategy === 'auto') expect(o.plan.strategy).toBe('lora');
    expect(o.run.summary?.warnings).toEqual([]);
    expect(o.test).toBeGreaterThan(FLOOR[`vit-${strategy}`]);
  }, 600_000);
});

/** Test-accuracy floors: measured values less a margin for seed and thread noise (chance: 0.2). */
const FLOOR: Record<string, number> = { auto: 0.82, top: 0.72, linear: 0.7, gradual: 0.8, adapter: 0.75, 'vit-auto': 0.45, 'vit-top': 0.45 };
/** Auto may trail scratch by this much on test accuracy (two standard errors on 200 images is ~0.045). */
const MARGIN = { scratch: 0.03 };
