import * as tf from '@tensorflow/tfjs';
import { fileURLToPath } from 'node:url';
import { activateWasm } from '../../electron/training/backends/wasm-backend.ts';
import { setFilterGradFormulation, setInputGradFormulation, type FilterGradFormulation, type InputGradFormulation } from '../../electron/training/backends/wasm-kernels.ts';
import { buildResNet, crossEntropy, RESNET18_SHAPE, seededTensor } from '../../electron/training/backends/reference-nets.ts';

/**
 * Training throughput of a ResNet-18-shaped step (forward, backward, SGD update) on the pure-JS
 * cpu backend and on wasm with the added gradient kernels, plus wasm's per-kernel profile.
 * Run: `node --import tsx test/bench/train-step.bench.ts [--steps N] [--size PX] [--batch N] [--threads N] [--with-im2col] [--with-cpu | --only-cpu | --only-default]`,
 * or through `npm run bench train-step`.
 */

export interface TrainStepVariant {
  backend: 'cpu' | 'wasm';
  filterGrad?: FilterGradFormulation;
  /** wasm's own scalar Conv2DBackpropInput, or the XNNPACK-based replacement in one of its formulations. */
  inputGrad?: 'scalar' | InputGradFormulation;
}

export interface TrainStepResult {
  label: string;
  imagesPerSecond: number;
  msPerStep: number;
  steps: number;
  /** Top kernels of one profiled step (wasm variants only). */
  profile?: KernelTime[];
}

export interface KernelTime {
  kernel: string;
  ms: number;
  calls: number;
  share: number;
}

export interface TrainStepBenchOptions {
  imageSize?: number;
  batch?: number;
  steps?: number;
  variants?: TrainStepVariant[];
  /** XNNPACK threads for wasm (fixed for the whole process by the first initialisation). */
  threads?: number;
}

const CPU_VARIANT: TrainStepVariant = { backend: 'cpu' };
const WASM_VARIANTS: TrainStepVariant[] = [
  { backend: 'wasm', filterGrad: 'conv', inputGrad: 'scalar' },
  { backend: 'wasm', filterGrad: 'conv', inputGrad: 'conv' },
  { backend: 'wasm', filterGrad: 'conv', inputGrad: 'auto' },
];
/** The im2col filter gradient (3x slower, docs/benchmarks.md), only with --with-im2col. */
const IM2COL_VARIANT: TrainStepVariant = { backend: 'wasm', filterGrad: 'im2col', inputGrad: 'auto' };
const INPUT_GRAD_LABELS: Record<NonNullable<TrainStepVariant['inputGrad']>, string> = {
  scalar: 'wasm scalar loop',
  conv: 'XNNPACK transposed conv',
  matmul: 'GEMM + col2im',
  auto: 'GEMM + col2im where positions < Cout, else XNNPACK conv',
};
/**
 * The pure-JS step takes ~16 minutes on a loaded 2-core machine, so `npm run bench` leaves it out
 * unless TRAIN_STEP_BENCH_CPU=1 (or --with-cpu / --only-cpu when run directly).
 */
const DEFAULT_VARIANTS = process.env.TRAIN_STEP_BENCH_CPU === '1' ? [CPU_VARIANT, ...WASM_VARIANTS] : WASM_VARIANTS;

let wasmThreads = 1;

function variantLabel(v: TrainStepVariant): string {
  if (v.backend === 'cpu') return 'cpu (pure JS)';
  return `wasm ${wasmThreads}T, filter grad ${v.filterGrad ?? 'conv'}, input grad ${INPUT_GRAD_LABELS[v.inputGrad ?? 'auto']}`;
}

async function useVariant(v: TrainStepVariant, threads?: number): Promise<void> {
  if (v.backend === 'cpu') {
    await tf.setBackend('cpu');
    return;
  }
  const { unregisterWasmTrainingKernels } = await import('../../electron/training/backends/wasm-kernels.ts');
  unregisterWasmTrainingKernels();
  setFilterGradFormulation(v.filterGrad ?? 'conv');
  const input = v.inputGrad ?? 'auto';
  if (input !== 'scalar') setInputGradFormulation(input);
  const f = await activateWasm({ replaceSlowKernels: input !== 'scalar', threads });
  wasmThreads = f.threadCount;
  if (f.threadNote) console.log(`  (wasm: ${f.threadNote})`);
}

function makeStep(imageSize: number, batch: number) {
  const net = buildResNet(RESNET18_SHAPE);
  const x = seededTensor(7, [batch, imageSize, imageSize, 3]) as tf.Tensor4D;
  const labels = Array.from({ length: batch }, (_, i) => i % RESNET18_SHAPE.numClasses);
  const opt = tf.train.sgd(0.01);
  const vars = [...net.params.values()];
  const step = () => tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => crossEntropy(net.forward(x), labels), vars);
    opt.applyGradients(grads);
    return value;
  });
  const dispose = () => {
    net.dispose();
    x.dispose();
    opt.dispose();
  };
  return { step, dispose };
}

async function timeSteps(step: () => tf.Scalar, steps: number, warmUp: boolean): Promise<number> {
  // Warm-up: wasm memory growth and first-call setup. Skipped on the pure-JS backend, whose single
  // step takes minutes on a loaded machine and has nothing to warm.
  if (warmUp) (await step().data());
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    const loss = step();
    await loss.data();
    loss.dispose();
  }
  return (performance.now() - t0) / steps;
}

/** Time per kernel name over one step, largest first. */
async function profileStep(step: () => tf.Scalar, top = 12): Promise<KernelTime[]> {
  const info = await tf.profile(() => step());
  const byName = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const e = byName.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += ms;
    e.calls += 1;
    byName.set(k.name, e);
  }
  const total = [...byName.values()].reduce((a, e) => a + e.ms, 0);
  return [...byName.entries()]
    .map(([kernel, e]) => ({ kernel, ms: e.ms, calls: e.calls, share: e.ms / total }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, top);
}

export async function trainStepBenchmark(opts: TrainStepBenchOptions = {}): Promise<TrainStepResult[]> {
  const imageSize = opts.imageSize ?? 64;
  const batch = opts.batch ?? 8;
  const steps = opts.steps ?? 3;
  const results: TrainStepResult[] = [];
  for (const v of opts.variants ?? DEFAULT_VARIANTS) {
    await useVariant(v, opts.threads);
    const { step, dispose } = makeStep(imageSize, batch);
    const n = v.backend === 'cpu' ? 1 : steps;
    const ms = await timeSteps(step, n, v.backend !== 'cpu');
    const profile = v.backend === 'wasm' ? await profileStep(step) : undefined;
    results.push({ label: variantLabel(v), imagesPerSecond: (batch * 1000) / ms, msPerStep: ms, steps: n, profile });
    dispose();
  }
  printResults(results, imageSize, batch);
  return results;
}

function printResults(results: TrainStepResult[], imageSize: number, batch: number): void {
  console.log(`ResNet-18-shaped training step, ${imageSize} px, batch ${batch}:`);
  console.log(results.map((r) => `  ${r.label.padEnd(64)} ${r.imagesPerSecond.toFixed(2).padStart(7)} img/s ${r.msPerStep.toFixed(0).padStart(7)} ms/step (${r.steps} steps)`).join('\n'));
  const base = results.find((r) => r.label.startsWith('cpu'));
  if (base) for (const r of results) if (r !== base) console.log(`  ${r.label}: ${(r.imagesPerSecond / base.imagesPerSecond).toFixed(1)}x the cpu backend`);
  for (const r of results) if (r.profile) console.log(`\n  kernel profile, one step, ${r.label}:\n${formatProfile(r.profile)}`);
}

function formatProfile(profile: KernelTime[]): string {
  return profile.map((k) => `    ${k.kernel.padEnd(28)} ${k.ms.toFixed(1).padStart(9)} ms ${String(k.calls).padStart(5)} calls ${(k.share * 100).toFixed(1).padStart(5)}%`).join('\n');
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : undefined;
  };
  const wasm = argv.includes('--with-im2col') ? [IM2COL_VARIANT, ...WASM_VARIANTS] : WASM_VARIANTS;
  const variants = argv.includes('--with-cpu') ? [CPU_VARIANT, ...wasm] : wasm;
  const only = argv.includes('--only-cpu') ? [CPU_VARIANT] : argv.includes('--only-default') ? [WASM_VARIANTS.at(-1)!] : variants;
  await trainStepBenchmark({ imageSize: arg('size'), batch: arg('batch'), steps: arg('steps'), variants: only, threads: arg('threads') });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main(process.argv.slice(2));
}
