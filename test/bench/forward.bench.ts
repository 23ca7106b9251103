import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { selectBackend } from '../../electron/training/backends/ladder.ts';
import { createBackbone } from '../../electron/training/backbones/registry.ts';
import { type TorchResult, torchThreadCounts, torchThroughput } from './torch-reference.ts';

/**
 * Forward (inference, eval mode) throughput of resnet50 and vit_small_patch16_224 at 224 px,
 * batch 8, on the best backend this machine has; and, when Debian's python3-torch is installed,
 * the same architectures and batch in PyTorch CPU in the same run, with the ratio.
 * Run alone: `npm run bench forward`.
 */

const ARCHS = ['resnet50', 'vit_small_patch16_224'] as const;
const BATCH = 8;
const SIZE = 224;
const ITERATIONS = 3;

export interface ForwardBenchResult {
  arch: string;
  backend: string;
  imagesPerSecond: number;
  msPerBatch: number;
  /** PyTorch CPU img/s by thread count (TF.js's own count, then every core). */
  torch: { threads: number; imagesPerSecond: number }[];
}

function timeForward(arch: string): number {
  const model = createBackbone(arch, { numClasses: 1000, imageSize: SIZE });
  const x = tf.randomNormal([BATCH, SIZE, SIZE, 3]) as tf.Tensor4D;
  try {
    model.forward(x).dispose(); // warm-up: kernels, XNNPACK packing
    const t0 = performance.now();
    for (let i = 0; i < ITERATIONS; i++) {
      const y = model.forward(x);
      y.dataSync();
      y.dispose();
    }
    return (performance.now() - t0) / ITERATIONS;
  } finally {
    x.dispose();
    model.dispose();
  }
}

export async function forwardThroughput(): Promise<ForwardBenchResult[]> {
  const { backend } = await selectBackend({ log: () => {} });
  const tfThreads = tf.getBackend() === 'wasm' ? getThreadsCount() : 1;
  const jobs = ARCHS.map((arch) => ({ kind: 'forward' as const, arch, size: SIZE, batch: BATCH, iterations: ITERATIONS, classes: 1000 }));
  const torch: TorchResult[] = [];
  let skipped = '';
  for (const threads of torchThreadCounts(tfThreads)) {
    const r = torchThroughput(jobs, threads);
    if (typeof r === 'string') skipped = r;
    else torch.push(r);
  }
  const results: ForwardBenchResult[] = [];
  for (const [i, arch] of ARCHS.entries()) {
    const ms = timeForward(arch);
    const r: ForwardBenchResult = { arch, backend, msPerBatch: ms, imagesPerSecond: (BATCH * 1000) / ms, torch: torch.map((t) => ({ threads: t.threads, imagesPerSecond: t.imagesPerSecond[i] })) };
    results.push(r);
    const vsTorch = r.torch.map((t) => `, PyTorch CPU ${t.threads} thread(s) ${t.imagesPerSecond.toFixed(1)} img/s, ratio ${(r.imagesPerSecond / t.imagesPerSecond).toFixed(2)}`).join('');
    console.log(`   ${arch.padEnd(22)} ${backend} (${tfThreads} thread(s)): ${r.imagesPerSecond.toFixed(1)} img/s (${ms.toFixed(0)} ms / batch of ${BATCH})${vsTorch}`);
  }
  if (skipped) console.log(`   (PyTorch comparison skipped: ${skipped})`);
  return results;
}
