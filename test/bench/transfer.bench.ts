import { fileURLToPath } from 'node:url';
import { createBackbone } from '../../electron/training/backbones/index.ts';
import type { Backbone } from '../../electron/training/backbones/types.ts';
import { selectBackend } from '../../electron/training/backends/ladder.ts';
import type { StrategyName } from '../../electron/training/finetune/strategies.ts';
import { createTinyVit } from '../../electron/training/finetune/testing/tiny-vit.ts';
import { loadDatasets, runTransfer } from '../../electron/training/finetune/transfer/experiment.ts';
import { fashionTrainAndTestAvailable } from '../../electron/training/finetune/transfer/fashion-data.ts';
import { createSmallResnet } from '../../electron/training/finetune/transfer/small-resnet.ts';

/**
 * Fashion-MNIST transfer (issue 5): pretrain on classes 0-4, fine-tune on 50 labels per class of
 * classes 5-9 with each strategy, against scratch; accuracy on t10k images of classes 5-9.
 * The small three-stage ResNet (and resnet18 on request) runs full/linear/gradual/adapter; LoRA needs a
 * ViT, so a tiny ViT pretrained the same way runs full/linear/lora. docs/benchmarks.md cites its figures.
 * Scratch trains at the pretraining LR (a random network wants the larger one), full and gradual
 * at the fine-tuning LR, a lone head (linear), adapters and LoRA at their own larger ones.
 * Run: `node --import tsx test/bench/transfer.bench.ts [--size 16] [--source 6000] [--pre-epochs 1]
 * [--epochs 10] [--test 400] [--seeds 1,2] [--widths 16,32,64] [--arms small_resnet,resnet18,tiny_vit]`,
 * or `npm run bench transfer`.
 */
function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

interface Arm {
  make(seed: number, size: number, widths: [number, number, number]): Backbone;
  strategies: StrategyName[];
  pretrainLr: number;
  lr: number;
  /** LR of linear, adapter and LoRA runs (a lone head wants a larger one). */
  headLr: number;
  /** Adapters' LR where it differs from the head's. */
  adapterLr?: number;
}

const ARMS: Record<string, Arm> = {
  small_resnet: {
    make: (seed, size, widths) => createSmallResnet({ numClasses: 5, imageSize: size, seed, widths }),
    strategies: ['full', 'linear', 'gradual', 'adapter'],
    pretrainLr: 3e-3,
    lr: 2e-3,
    headLr: 5e-2,
    adapterLr: 1e-2,
  },
  resnet18: {
    make: (seed, size) => createBackbone('resnet18', { numClasses: 5, imageSize: size, seed }),
    strategies: ['full', 'linear', 'gradual', 'adapter'],
    pretrainLr: 2e-3,
    lr: 1e-3,
    headLr: 1e-2,
  },
  tiny_vit: {
    make: (seed, size) => createTinyVit({ numClasses: 5, imageSize: size, seed, width: 32, depth: 2, patch: 4 }),
    strategies: ['full', 'linear', 'lora'],
    pretrainLr: 2e-3,
    lr: 2e-3,
    headLr: 1e-2,
  },
};

export async function transfer(): Promise<void> {
  if (!fashionTrainAndTestAvailable()) {
    console.log('skipped: Fashion-MNIST missing (apt-get install dataset-fashion-mnist)');
    return;
  }
  const size = Number(arg('size', '16'));
  const sizes = { imageSize: size, sourcePerClass: Number(arg('source', '6000')), targetPerClass: 50, testPerClass: Number(arg('test', '400')) };
  const epochs = Number(arg('epochs', '10'));
  const widths = arg('widths', '16,32,64').split(',').map(Number) as [number, number, number];
  const selection = await selectBackend({ log: () => {} });
  const data = loadDatasets(sizes);
  console.log(`backend ${selection.backend}, ${size} px, source ${sizes.sourcePerClass}/class, target 50/class, test ${sizes.testPerClass}/class, ${epochs} epochs, small_resnet widths ${widths.join('/')}`);
  console.log('arch          seed  row       accuracy  trainable   seconds');
  for (const armName of arg('arms', 'small_resnet,tiny_vit').split(',')) {
    const arm = ARMS[armName];
    for (const seed of arg('seeds', '1').split(',').map(Number)) {
      const r = await runTransfer({
        ...sizes,
        makeBackbone: (s) => arm.make(s, size, widths),
        seed,
        pretrain: { epochs: Number(arg('pre-epochs', '1')), lr: arm.pretrainLr, batchSize: 32 },
        finetune: { epochs, lr: arm.lr, batchSize: 25 },
        scratchLr: arm.pretrainLr,
        strategyLr: { linear: arm.headLr, adapter: arm.adapterLr ?? arm.headLr, lora: arm.headLr },
        strategies: arm.strategies,
      }, data);
      const line = (row: string, acc: number, share: number, s: number) =>
        console.log(`${armName.padEnd(14)}${String(seed).padEnd(6)}${row.padEnd(10)}${acc.toFixed(3).padStart(8)}  ${(share * 100).toFixed(2).padStart(8)}%  ${s.toFixed(1).padStart(8)}`);
      line('source', r.source.accuracy, 1, r.source.seconds);
      for (const row of r.rows) line(row.name, row.accuracy, row.trainableShare, row.seconds);
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await transfer();
