import { fileURLToPath } from 'node:url';
import { createBackbone } from '../../electron/training/backbones/index.ts';
import { selectBackend } from '../../electron/training/backends/ladder.ts';
import type { StrategyName } from '../../electron/training/finetune/strategies.ts';
import { loadDatasets, runTransfer } from '../../electron/training/finetune/transfer/experiment.ts';
import { fashionTrainAndTestAvailable } from '../../electron/training/finetune/transfer/fashion-data.ts';

/**
 * Fashion-MNIST transfer (issue 5): pretrain on classes 0-4, fine-tune on 50 labels per class of
 * classes 5-9 with each strategy, against scratch and against a linear probe on the random
 * network's features; accuracy on t10k images of classes 5-9. Every arm is a registered
 * architecture built by the production registry: `test-small-resnet` (32 px) runs
 * full/gradual/top/linear/adapter, `test-small-vit` (16 px) full/linear/lora; `resnet18` on request.
 * docs/benchmarks.md cites its figures. Scratch trains at the pretraining LR (a random network wants
 * the larger one), full, gradual and top at the fine-tuning LR, a lone head (linear), adapters and
 * LoRA at their own larger ones.
 * Run: `node --import tsx test/bench/transfer.bench.ts [--source 6000] [--pre-epochs 1]
 * [--epochs 10] [--test 400] [--seeds 1,2] [--arms test-small-resnet,test-small-vit,resnet18]`,
 * or `npm run bench transfer`.
 */
function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

interface Arm {
  imageSize: number;
  strategies: StrategyName[];
  pretrainLr: number;
  lr: number;
  /** LR of linear, adapter and LoRA runs (a lone head wants a larger one). */
  headLr: number;
  /** Adapters' LR where it differs from the head's. */
  adapterLr?: number;
}

const ARMS: Record<string, Arm> = {
  'test-small-resnet': { imageSize: 32, strategies: ['full', 'gradual', 'top', 'linear', 'adapter'], pretrainLr: 3e-3, lr: 2e-3, headLr: 5e-2, adapterLr: 1e-2 },
  resnet18: { imageSize: 32, strategies: ['full', 'gradual', 'top', 'linear', 'adapter'], pretrainLr: 2e-3, lr: 1e-3, headLr: 1e-2 },
  'test-small-vit': { imageSize: 16, strategies: ['full', 'linear', 'lora'], pretrainLr: 2e-3, lr: 2e-3, headLr: 1e-2 },
};

export async function transfer(): Promise<void> {
  if (!fashionTrainAndTestAvailable()) {
    console.log('skipped: Fashion-MNIST missing (apt-get install dataset-fashion-mnist)');
    return;
  }
  const counts = { sourcePerClass: Number(arg('source', '6000')), targetPerClass: 50, testPerClass: Number(arg('test', '400')) };
  const epochs = Number(arg('epochs', '10'));
  const selection = await selectBackend({ log: () => {} });
  console.log(`backend ${selection.backend}, source ${counts.sourcePerClass}/class, target 50/class, test ${counts.testPerClass}/class, ${epochs} epochs`);
  console.log('arch               px  seed  row            accuracy  trainable   seconds');
  for (const arch of arg('arms', 'test-small-resnet,test-small-vit').split(',')) {
    const arm = ARMS[arch];
    if (!arm) throw new Error(`transfer bench: no arm "${arch}"; known: ${Object.keys(ARMS).join(', ')}`);
    const sizes = { ...counts, imageSize: arm.imageSize };
    const data = loadDatasets(sizes);
    for (const seed of arg('seeds', '1').split(',').map(Number)) {
      const r = await runTransfer({
        ...sizes,
        makeBackbone: (s) => createBackbone(arch, { numClasses: 5, imageSize: arm.imageSize, seed: s }),
        seed,
        pretrain: { epochs: Number(arg('pre-epochs', '1')), lr: arm.pretrainLr, batchSize: 32 },
        finetune: { epochs, lr: arm.lr, batchSize: 25 },
        scratchLr: arm.pretrainLr,
        strategyLr: { linear: arm.headLr, adapter: arm.adapterLr ?? arm.headLr, lora: arm.headLr },
        strategies: arm.strategies,
      }, data);
      const line = (row: string, acc: number, share: number, s: number) =>
        console.log(`${arch.padEnd(18)}${String(arm.imageSize).padStart(3)}  ${String(seed).padEnd(6)}${row.padEnd(15)}${acc.toFixed(3).padStart(8)}  ${(share * 100).toFixed(2).padStart(8)}%  ${s.toFixed(1).padStart(8)}`);
      line('source', r.source.accuracy, 1, r.source.seconds);
      for (const row of r.rows) line(row.name, row.accuracy, row.trainableShare, row.seconds);
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await transfer();
