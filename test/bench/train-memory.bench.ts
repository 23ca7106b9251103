import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { listPretrained } from '../../electron/training/backbones/pretrained.ts';
import { createBackbone } from '../../electron/training/backbones/registry.ts';
import { selectBackend } from '../../electron/training/backends/ladder.ts';
import { stepMemoryMb } from '../../electron/training/finetune/budget.ts';
import { FineTuner } from '../../electron/training/finetune/loop.ts';
import { createStrategy } from '../../electron/training/finetune/strategies.ts';
import { baseConfig } from '../../electron/training/finetune/testing/config.ts';
import { syntheticData } from '../../electron/training/finetune/testing/synthetic.ts';

/**
 * Peak TF.js memory of one full fine-tuning step (forward, gradients, AdamW) at the native size,
 * batch 1 and 2, on wasm: the difference is what one image costs, the figure `trainMbPerImage` in
 * backbones/pretrained.ts that the plan sizes batches with. Prints both, and the plan's estimate.
 * ViT-B is skipped unless LABELTUNE_BENCH_VIT_BASE=1 (a step takes minutes on wasm). Each figure
 * comes from a fresh process: in one process the peaks of later models carried earlier ones' memory.
 * Run: `npm run bench train-memory`.
 */
const SELF = fileURLToPath(import.meta.url);

/** Peak MB of one step, measured in a child process of its own. */
function peakMb(arch: string, size: number, batch: number): number {
  const r = spawnSync(process.execPath, ['--import', 'tsx', SELF, 'probe', arch, String(size), String(batch)], { encoding: 'utf8' });
  const line = r.stdout.split('\n').find((l) => l.startsWith('peak '));
  if (!line) throw new Error(`The memory probe of ${arch} failed: ${r.stderr.slice(-500)}`);
  return Number(line.slice(5));
}

async function probe(arch: string, size: number, batch: number): Promise<number> {
  await selectBackend({ prefer: 'wasm', log: () => {} });
  const b = createBackbone(arch, { numClasses: 5, imageSize: size, seed: 1 });
  const cfg = baseConfig({ epochs: 1, batchSize: batch, numClasses: 5, augment: {} });
  const t = new FineTuner(b, createStrategy('full', b), cfg, syntheticData(batch, size, 5, 1), syntheticData(2, size, 5, 2, 100));
  const rates = Object.fromEntries(b.groups.map((g) => [g, 1e-4]));
  const rows = Array.from({ length: batch }, (_, i) => i);
  const profile = await tf.profile(() => t.stepWith(rows, 0, rates));
  t.dispose();
  b.dispose();
  return profile.peakBytes / 1e6;
}

export async function trainMemory(): Promise<void> {
  for (const cfg of listPretrained()) {
    if (cfg.arch === 'vit_base_patch16_224' && process.env.LABELTUNE_BENCH_VIT_BASE !== '1') continue;
    const one = peakMb(cfg.arch, cfg.inputSize, 1);
    const two = peakMb(cfg.arch, cfg.inputSize, 2);
    const planned = stepMemoryMb({ paramsMillions: cfg.paramsMillions, mbPerImage: cfg.trainMbPerImage, throughBody: true, trainsBody: true }, 2);
    console.log(
      `${cfg.arch.padEnd(24)} ${cfg.inputSize} px: peak ${one.toFixed(0)} MB at batch 1, ${two.toFixed(0)} MB at batch 2 → ${(two - one).toFixed(0)} MB per image (table: ${cfg.trainMbPerImage}); the plan's batch-2 estimate ${planned.toFixed(0)} MB (${((planned / two - 1) * 100).toFixed(0)}%)`,
    );
  }
}

if (process.argv[1] === SELF && process.argv[2] === 'probe') {
  const [arch, size, batch] = process.argv.slice(3);
  console.log(`peak ${await probe(arch, Number(size), Number(batch))}`);
}
