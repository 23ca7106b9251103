import * as tf from '@tensorflow/tfjs';
import { fileURLToPath } from 'node:url';
import { createBackbone } from '../../electron/training/backbones/index.ts';
import { selectBackend } from '../../electron/training/backends/ladder.ts';
import { FineTuner } from '../../electron/training/finetune/loop.ts';
import { type StrategyName, createStrategy, trainableSummary } from '../../electron/training/finetune/strategies.ts';
import { baseConfig } from '../../electron/training/finetune/testing/config.ts';
import { syntheticData } from '../../electron/training/finetune/testing/synthetic.ts';

/**
 * Fine-tuning throughput (img/s of whole training epochs, validation excluded) per strategy for
 * resnet18 and vit_tiny on the best available backend, with each strategy's trainable share.
 * `top` and `adapter` run without augmentation, so their frozen prefix is cached after epoch 1:
 * the measured epoch is the second one.
 * Run: `node --import tsx test/bench/strategies.bench.ts [--sizes 64,224] [--images N]`, or `npm run bench strategies`.
 */
const PLAN: [string, StrategyName[]][] = [
  ['resnet18', ['full', 'gradual', 'top', 'adapter']],
  ['vit_tiny_patch16_224', ['full', 'gradual', 'top', 'adapter', 'lora']],
];

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

async function measure(arch: string, strategy: StrategyName, size: number, images: number) {
  const backbone = createBackbone(arch, { numClasses: 3, imageSize: size });
  const s = createStrategy(strategy, backbone);
  const share = trainableSummary(backbone, s, 100).share;
  const augment = strategy === 'full' || strategy === 'gradual' ? {} : null;
  const t = new FineTuner(backbone, s, baseConfig({ epochs: 2, batchSize: 8, lr: 1e-4, augment }), syntheticData(images, size, 3, 1), syntheticData(8, size, 3, 2, 10_000));
  await t.runEpoch(0);
  const row = await t.runEpoch(1);
  t.dispose();
  s.extension?.dispose();
  backbone.dispose();
  return { share, imagesPerSec: row.imagesPerSec };
}

export async function strategies(): Promise<void> {
  const sizes = arg('sizes', '64').split(',').map(Number);
  const images = Number(arg('images', '16'));
  const selection = await selectBackend({ log: () => {} });
  console.log(`backend ${selection.backend} (${tf.getBackend()}), ${images} images per epoch, batch 8`);
  console.log('arch                  size  strategy  trainable   img/s');
  for (const size of sizes) {
    for (const [arch, list] of PLAN) {
      for (const strategy of list) {
        const r = await measure(arch, strategy, size, images);
        console.log(`${arch.padEnd(22)}${String(size).padEnd(6)}${strategy.padEnd(10)}${(r.share * 100).toFixed(2).padStart(7)}%  ${r.imagesPerSec.toFixed(2).padStart(7)}`);
      }
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await strategies();
