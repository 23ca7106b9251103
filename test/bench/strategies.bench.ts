import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { fileURLToPath } from 'node:url';
import { createBackbone } from '../../electron/training/backbones/index.ts';
import { selectBackend } from '../../electron/training/backends/ladder.ts';
import { FineTuner } from '../../electron/training/finetune/loop.ts';
import { type StrategyName, createStrategy, trainableSummary } from '../../electron/training/finetune/strategies.ts';
import { baseConfig } from '../../electron/training/finetune/testing/config.ts';
import { syntheticData } from '../../electron/training/finetune/testing/synthetic.ts';
import { TORCH_STRATEGY_NOTES, type TorchJob, type TorchResult, torchThreadCounts, torchThroughput } from './torch-reference.ts';

/**
 * Fine-tuning throughput (img/s of whole training epochs, validation excluded) per strategy for
 * resnet18 and vit_tiny on the best available backend, with each strategy's trainable share, and
 * the same model, batch, size and strategy trained by PyTorch CPU in the same run (torch-reference.ts:
 * once with as many threads as TF.js uses, once with every core), with the ratios.
 * The measured TF.js epoch is the second (epoch 1); `top` and `adapter` run without augmentation,
 * so their frozen prefix is cached after epoch 1 — their first epoch (computing the cache, after a
 * warm-up forward) is reported too, as the like-for-like figure against PyTorch, which recomputes
 * the frozen prefix every step.
 * Run: `node --import tsx test/bench/strategies.bench.ts [--sizes 64,224] [--images N] [--only resnet18]`,
 * or `npm run bench strategies` (64 px only; 224 px adds about 5 minutes on this 2-core machine).
 */
const PLAN: [TorchJob['arch'], NonNullable<TorchJob['strategy']>[]][] = [
  ['resnet18', ['full', 'gradual', 'linear', 'adapter']],
  ['vit_tiny_patch16_224', ['full', 'gradual', 'linear', 'adapter', 'lora']],
];
const BATCH = 8;
const CLASSES = 3;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

interface Row {
  arch: TorchJob['arch'];
  size: number;
  strategy: NonNullable<TorchJob['strategy']>;
}

interface Measured {
  share: number;
  imagesPerSec: number;
  /** The first epoch of a cached strategy (prefix computed, not read from the cache). */
  uncachedImagesPerSec: number | null;
}

async function measure({ arch, strategy, size }: Row, images: number): Promise<Measured> {
  const backbone = createBackbone(arch, { numClasses: CLASSES, imageSize: size });
  const s = createStrategy(strategy, backbone);
  const share = trainableSummary(backbone, s, 100).share;
  const augment = strategy === 'full' || strategy === 'gradual' ? {} : null;
  const t = new FineTuner(backbone, s, baseConfig({ epochs: 2, batchSize: BATCH, lr: 1e-4, augment }), syntheticData(images, size, CLASSES, 1), syntheticData(8, size, CLASSES, 2, 10_000));
  // Cached strategies: warm the forward kernels on the validation images (uncached, prefix 0) so
  // that epoch 0, which fills the cache, can be timed as well.
  if (augment === null) await t.validate();
  const first = await t.runEpoch(0);
  const row = await t.runEpoch(1);
  t.dispose();
  s.extension?.dispose();
  backbone.dispose();
  return { share, imagesPerSec: row.imagesPerSec, uncachedImagesPerSec: augment === null ? first.imagesPerSec : null };
}

function torchRuns(rows: Row[], images: number, tfThreads: number): TorchResult[] | string {
  const jobs: TorchJob[] = rows.map((r) => ({ kind: 'train', arch: r.arch, size: r.size, batch: BATCH, classes: CLASSES, strategy: r.strategy, iterations: Math.max(4, images / BATCH) }));
  const runs: TorchResult[] = [];
  for (const threads of torchThreadCounts(tfThreads)) {
    const r = torchThroughput(jobs, threads);
    if (typeof r === 'string') return r;
    runs.push(r);
  }
  return runs;
}

const num = (x: number, w = 7) => x.toFixed(x < 10 ? 2 : 1).padStart(w);

function formatRow(r: Row, m: Measured, torch: TorchResult[] | string, i: number): string {
  const cols = [r.arch.padEnd(21), String(r.size).padStart(4), r.strategy.padEnd(8), `${(m.share * 100).toFixed(2).padStart(6)}%`, num(m.imagesPerSec)];
  const uncached = m.uncachedImagesPerSec;
  cols.push(uncached === null ? '      -' : num(uncached));
  if (typeof torch !== 'string') {
    for (const run of torch) {
      const ref = run.imagesPerSecond[i];
      const like = uncached ?? m.imagesPerSec;
      cols.push(num(ref), (m.imagesPerSec / ref).toFixed(2).padStart(6), (like / ref).toFixed(2).padStart(6));
    }
  }
  return `| ${cols.join(' | ')} |`;
}

function header(torch: TorchResult[] | string, backend: string): string {
  const tfCols = `${backend} img/s | uncached img/s`;
  if (typeof torch === 'string') return `| arch | size | strategy | trainable | ${tfCols} |`;
  const t = torch.map((r) => `torch ${r.threads}T img/s | ratio | ratio uncached`).join(' | ');
  return `| arch | size | strategy | trainable | ${tfCols} | ${t} |`;
}

export async function strategies(): Promise<void> {
  const sizes = arg('sizes', '64').split(',').map(Number);
  const images = Number(arg('images', '16'));
  const only = arg('only', '');
  const selection = await selectBackend({ log: () => {} });
  const tfThreads = tf.getBackend() === 'wasm' ? getThreadsCount() : 1;
  const rows = sizes.flatMap((size) => PLAN.filter(([a]) => !only || a.includes(only)).flatMap(([arch, list]) => list.map((strategy) => ({ arch, size, strategy }))));
  console.log(`backend ${selection.backend} (${tf.getBackend()}, ${tfThreads} thread(s)), ${images} images per epoch, batch ${BATCH}`);
  const torch = torchRuns(rows, images, tfThreads);
  if (typeof torch === 'string') console.log(`(PyTorch comparison skipped: ${torch})`);
  console.log(header(torch, selection.backend));
  for (const [i, r] of rows.entries()) console.log(formatRow(r, await measure(r, images), torch, i));
  if (typeof torch !== 'string') {
    console.log('ratio = TF.js img/s / PyTorch img/s; "uncached" uses the first epoch of top/adapter (frozen prefix computed, as PyTorch does every step).');
    for (const [name, note] of Object.entries(TORCH_STRATEGY_NOTES)) console.log(`  PyTorch ${name}: ${note}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await strategies();
