import { cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { inferenceBatchSize } from '../../electron/model-host/inference.ts';
import { ONNX_INPUT, ONNX_OUTPUT, convertToOnnx } from '../../electron/model-host/onnx-conversion.ts';
import { OrtSession } from '../../electron/model-host/ort-session.ts';
import { selectBackend } from '../../electron/training/backends/ladder.ts';
import { createBackbone } from '../../electron/training/backbones/registry.ts';
import { torchThroughput } from './torch-reference.ts';

/**
 * Inference throughput of the app's runtimes: onnxruntime (our exporter's graph, as evaluation and
 * prediction run it), TF.js wasm (the rung air-gapped users have), and Debian's PyTorch CPU, at the
 * same thread count, resnet50 and vit_small_patch16_224 at 224 px, random weights, the app's batch
 * size. Each row gives img/s and CPU seconds per image (all threads together): on a shared machine
 * the wall figures move with the load, CPU time much less. Ratios are taken within the run.
 * `npm run bench inference`; LABELTUNE_BENCH_THREADS (default: every core), LABELTUNE_BENCH_IMAGES
 * (onnxruntime and PyTorch, default 256), LABELTUNE_BENCH_TFJS_IMAGES (TF.js wasm, ten times slower,
 * default 32).
 */

const ARCHS = ['resnet50', 'vit_small_patch16_224'] as const;
const SIZE = 224;
const BATCH = inferenceBatchSize(SIZE);

export interface Measured {
  imagesPerSecond: number;
  cpuSecondsPerImage: number;
}

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

/** Times `batches` calls of `once` (after one warm-up call), wall and process CPU. */
async function timed(images: number, once: () => Promise<void>): Promise<Measured> {
  await once();
  const batches = Math.max(1, Math.round(images / BATCH));
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < batches; i++) await once();
  const wall = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu);
  const n = batches * BATCH;
  return { imagesPerSecond: n / wall, cpuSecondsPerImage: (used.user + used.system) / 1e6 / n };
}

async function onnxruntime(arch: string, threads: number, images: number): Promise<Measured> {
  const model = createBackbone(arch, { numClasses: 1000, imageSize: SIZE, seed: 0 });
  const session = await OrtSession.open(await convertToOnnx(model, null, 'bench'), threads);
  model.dispose();
  const x = Float32Array.from({ length: BATCH * 3 * SIZE * SIZE }, (_, i) => Math.sin(i));
  try {
    return await timed(images, async () => void (await session.run(ONNX_INPUT, x, [BATCH, 3, SIZE, SIZE], [ONNX_OUTPUT])));
  } finally {
    await session.release();
  }
}

async function tfjs(arch: string, images: number): Promise<Measured> {
  const model = createBackbone(arch, { numClasses: 1000, imageSize: SIZE, seed: 0 });
  const x = tf.randomNormal([BATCH, SIZE, SIZE, 3]) as tf.Tensor4D;
  try {
    return await timed(images, async () => {
      const y = model.forward(x);
      await y.data();
      y.dispose();
    });
  } finally {
    x.dispose();
    model.dispose();
  }
}

const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
const fmt = (m: Measured) => `${m.imagesPerSecond.toFixed(1)} img/s · ${(m.cpuSecondsPerImage * 1000).toFixed(0)} ms CPU/img`;

export async function inferenceThroughput(): Promise<Record<string, Record<string, Measured>>> {
  const threads = num('LABELTUNE_BENCH_THREADS', cpus().length);
  const images = num('LABELTUNE_BENCH_IMAGES', 256);
  const tfjsImages = num('LABELTUNE_BENCH_TFJS_IMAGES', 32);
  process.env.LABELTUNE_WASM_THREADS = String(threads);
  const { backend } = await selectBackend({ prefer: 'wasm', log: () => {} });
  const wasmThreads = backend === 'wasm' ? getThreadsCount() : 1;
  const torch = torchThroughput(ARCHS.map((arch) => ({ kind: 'forward' as const, arch, size: SIZE, batch: BATCH, iterations: Math.max(1, Math.round(images / BATCH)), classes: 1000 })), threads);
  const out: Record<string, Record<string, Measured>> = {};
  console.log(`   ${threads} thread(s), batch ${BATCH}, ${SIZE} px; onnxruntime and PyTorch over ${images} images, TF.js ${backend} (${wasmThreads} thread(s)) over ${tfjsImages}`);
  console.log(row(['model', 'onnxruntime', `TF.js ${backend}`, 'PyTorch', 'ORT / PyTorch (img/s, CPU)', `ORT / TF.js (img/s, CPU)`]));
  console.log(row(['---', '---', '---', '---', '---', '---']));
  for (const [i, arch] of ARCHS.entries()) {
    const ort = await onnxruntime(arch, threads, images);
    const wasm = await tfjs(arch, tfjsImages);
    const pt = typeof torch === 'string' ? null : { imagesPerSecond: torch.imagesPerSecond[i], cpuSecondsPerImage: torch.cpuSecondsPerImage[i] };
    out[arch] = { onnxruntime: ort, tfjs: wasm, ...(pt ? { pytorch: pt } : {}) };
    const ratio = (a: Measured, b: Measured) => `${(a.imagesPerSecond / b.imagesPerSecond).toFixed(2)}x, ${(b.cpuSecondsPerImage / a.cpuSecondsPerImage).toFixed(2)}x`;
    console.log(row([arch, fmt(ort), fmt(wasm), pt ? fmt(pt) : '-', pt ? ratio(ort, pt) : '-', ratio(ort, wasm)]));
  }
  if (typeof torch === 'string') console.log(`   (PyTorch skipped: ${torch})`);
  return out;
}
