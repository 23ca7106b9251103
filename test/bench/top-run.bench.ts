import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import sharp from 'sharp';
import type { RunOptions } from '../../shared/contract/runs.ts';
import { FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, fashionMnistAvailable } from '../../electron/engine/datasets/testing/fashion-mnist.ts';
import { createTestProject } from '../../electron/engine/testing/test-engine.ts';

/**
 * Wall time of one `top` run (what `auto` picks for pretrained weights on a few thousand images, or
 * forced when it does not) on Fashion-MNIST classes 5-9 upscaled to 224 px, from the pretrained
 * resnet18 stand-in (../shared/fixtures/pretrained), default settings otherwise, seed 1: once with
 * `LABELTUNE_INFERENCE=tfjs` (the frozen features computed by TF.js inside the first epoch, as before
 * issue 15) and once with the default (onnxruntime's feature pass before the first epoch). Each mode
 * gets a project of its own, so neither finds the other's feature cache.
 * `npm run bench top-run`; LABELTUNE_BENCH_TOP_IMAGES (default 2000), LABELTUNE_BENCH_TOP_EPOCHS
 * (default: the plan's), LABELTUNE_BENCH_TOP_MODES (default `tfjs,onnxruntime`).
 */

const SIZE = 224;
const CLASSES = FASHION_MNIST_CLASSES.slice(5);
const WEIGHTS = fileURLToPath(new URL('../../../shared/fixtures/pretrained/resnet18-fmnist0-4/model.safetensors', import.meta.url));

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

export interface TopRun {
  mode: string;
  strategy: string;
  wallSeconds: number;
  /** From the first to the last "Computing frozen features" progress (onnxruntime's pass); null when there was none. */
  featureSeconds: number | null;
  epochSeconds: number[];
  valAccuracy: number | null;
  featureRuntime: string | null;
}

/** `perClass` images of each of Fashion-MNIST's classes 5-9 (test file), upscaled to 224 px grey PNG. */
async function writeImages(dir: string, perClass: number): Promise<void> {
  const idx = (f: string) => {
    const b = gunzipSync(readFileSync(join(FASHION_MNIST_DIR, f)));
    return b.subarray(4 + 4 * (b[3] & 0xff));
  };
  const pixels = idx('t10k-images-idx3-ubyte.gz');
  const labels = idx('t10k-labels-idx1-ubyte.gz');
  const written = new Map<string, number>(CLASSES.map((c) => [c, 0]));
  for (const c of CLASSES) mkdirSync(join(dir, c), { recursive: true });
  for (let i = 0; i < labels.length; i++) {
    const name = FASHION_MNIST_CLASSES[labels[i]];
    const n = written.get(name);
    if (n === undefined || n >= perClass) continue;
    const raw = pixels.subarray(i * 784, (i + 1) * 784);
    const png = await sharp(raw, { raw: { width: 28, height: 28, channels: 1 } }).resize(SIZE, SIZE, { kernel: 'cubic' }).toColourspace('b-w').png().toBuffer();
    writeFileSync(join(dir, name, `${String(i).padStart(5, '0')}.png`), png);
    written.set(name, n + 1);
  }
  const short = [...written].filter(([, n]) => n < perClass);
  if (short.length) throw new Error(`Fashion-MNIST's test file has fewer than ${perClass} images of ${short.map(([c]) => c).join(', ')}`);
}

async function topRun(images: string, mode: string, epochs: number | undefined): Promise<TopRun> {
  const t = await createTestProject(`top run, ${mode}`);
  try {
    const { jobId: importJob } = await t.client.invoke('import.start', { paths: [images], classFolders: true });
    const imported = await t.client.invoke('job.wait', { jobId: importJob });
    if (imported.status !== 'completed') throw new Error(`import ${imported.status}: ${imported.error?.message}`);
    await t.client.invoke('splits.create', { ratios: [0.7, 0.15, 0.15], seed: 1, groupBy: 'none' });
    const options: RunOptions = { backbone: 'resnet18', weights: WEIGHTS, imageSize: SIZE, strategy: 'auto', seed: 1, epochs };
    const plan = await t.client.invoke('runs.plan', options);
    const strategy = 'top';
    console.log(`   auto picks ${plan.strategy} (${plan.reason})${plan.strategy === strategy ? '' : '; this run forces top'}; ${plan.config.epochs} epochs`);
    if (mode === 'tfjs') process.env.LABELTUNE_INFERENCE = 'tfjs';
    else delete process.env.LABELTUNE_INFERENCE;
    let first: number | null = null;
    let last: number | null = null;
    const ends: number[] = [];
    const offJob = t.client.on('job.progress', (e) => {
      if (!e.message.startsWith('Computing frozen features')) return;
      first ??= performance.now();
      last = performance.now();
    });
    const offRun = t.client.on('run.progress', (p) => void (p.phase === 'epoch-end' && ends.push(performance.now())));
    const t0 = performance.now();
    const { runId, jobId } = await t.client.invoke('runs.start', { ...options, strategy });
    const job = await t.client.invoke('job.wait', { jobId });
    const wall = (performance.now() - t0) / 1000;
    offJob();
    offRun();
    if (job.status !== 'completed') throw new Error(`run ${job.status}: ${job.error?.message}`);
    const run = await t.client.invoke('runs.get', { runId });
    const starts = [first !== null && last !== null ? last : t0, ...ends];
    return {
      mode,
      strategy,
      wallSeconds: wall,
      featureSeconds: first !== null && last !== null ? (last - first) / 1000 : null,
      epochSeconds: ends.map((e, i) => (e - starts[i]) / 1000),
      valAccuracy: run.summary?.valAccuracy ?? null,
      featureRuntime: run.summary?.featureRuntime ? [run.summary.featureRuntime.runtime, run.summary.featureRuntime.reason, run.summary.featureRuntime.fallback].filter(Boolean).join(": ") : null,
    };
  } finally {
    delete process.env.LABELTUNE_INFERENCE;
    await t.dispose();
  }
}

export async function topRunWallTime(): Promise<TopRun[]> {
  if (!fashionMnistAvailable() || !existsSync(WEIGHTS)) throw new Error(`needs ${FASHION_MNIST_DIR} (apt-get install dataset-fashion-mnist) and ${WEIGHTS} (../shared)`);
  const count = num('LABELTUNE_BENCH_TOP_IMAGES', 2000);
  const epochs = process.env.LABELTUNE_BENCH_TOP_EPOCHS ? num('LABELTUNE_BENCH_TOP_EPOCHS', 0) : undefined;
  const modes = (process.env.LABELTUNE_BENCH_TOP_MODES ?? 'tfjs,onnxruntime').split(',');
  const images = mkdtempSync(join(tmpdir(), 'labeltune-top-run-'));
  const out: TopRun[] = [];
  try {
    await writeImages(images, Math.ceil(count / CLASSES.length));
    console.log(`   ${count} images (${CLASSES.length} classes, ${SIZE} px), split 70/15/15, resnet18 from the pretrained stand-in, ${epochs ?? 'the plan\'s'} epochs, seed 1`);
    console.log('| inference | strategy | wall | feature pass | epochs (s) | val accuracy |');
    console.log('| --- | --- | ---: | ---: | --- | ---: |');
    for (const mode of modes) {
      const r = await topRun(images, mode, epochs);
      out.push(r);
      console.log(`| ${r.mode} | ${r.strategy} | ${r.wallSeconds.toFixed(0)} s | ${r.featureSeconds === null ? '-' : `${r.featureSeconds.toFixed(1)} s`} | ${r.epochSeconds.map((s) => s.toFixed(0)).join(', ')} | ${r.valAccuracy?.toFixed(3) ?? '-'} |`);
      if (r.featureRuntime) console.log(`   ${r.featureRuntime}`);
    }
  } finally {
    rmSync(images, { recursive: true, force: true });
  }
  return out;
}
