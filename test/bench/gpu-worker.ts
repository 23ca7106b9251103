import { inferenceBatchSize } from '../../electron/model-host/inference.ts';
import { plannedBatchSize } from '../../electron/model-host/plan.ts';
import { tryRung } from '../../electron/training/backends/ladder.ts';
import { createBackbone } from '../../electron/training/backbones/registry.ts';
import { isBackendRung } from '../../shared/contract/system.ts';
import { anotherStepFits, type GpuBenchMode } from './gpu-table.ts';

/**
 * One child of `npm run bench gpu`: one TF.js rung and one model (a process cannot switch rungs
 * cleanly). Usage: `gpu-worker.ts RUNG ARCH SECONDS WINDOW TRAIN_BATCH`, TRAIN_BATCH `plan` for the
 * batch the app's plan gives a `full` run of ARCH at 224 px on RUNG (what a user's run would train
 * at; wasm fits only 2 images of ResNet-50 in its 4 GiB). Prints JSON lines: the
 * rung taken (or why not), then inference and a train step, each warmed up with one step and timed
 * for WINDOW seconds; a cell where no timed step fits in SECONDS gives the warm-up step's figure, marked as such (the parent
 * kills a child that overruns, and its unfinished cells read "over budget"). Only async reads (webgpu has no
 * synchronous ones).
 */

export const SIZE = 224;

const emit = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

async function main(): Promise<void> {
  const [rung, arch, seconds, window, trainBatch] = process.argv.slice(2);
  if (!rung || !isBackendRung(rung) || !arch) throw new Error('usage: gpu-worker.ts RUNG ARCH SECONDS WINDOW TRAIN_BATCH|plan');
  const deadline = performance.now() + Number(seconds) * 1000;
  const left = () => (deadline - performance.now()) / 1000;
  const attempt = await tryRung(rung, { requested: true, log: () => {} });
  emit({ type: 'rung', ok: attempt.ok, reason: attempt.reason, software: attempt.adapter?.software ?? false });
  if (!attempt.ok) return;
  const { tf } = attempt;
  let train: number;
  try {
    train = trainBatch === 'plan' ? plannedBatchSize(arch, 'full', SIZE, rung) : Number(trainBatch);
  } catch (e) {
    // The plan refuses a run where not one image fits: so does the bench.
    emit({ type: 'cell', mode: 'train', na: `the plan refuses it: ${(e as Error).message}` });
    train = 0;
  }
  const model = createBackbone(arch, { numClasses: 1000, imageSize: SIZE, seed: 0 });
  const trainable = [...model.variables.values()].filter((v) => v.trainable);
  const optimizer = tf.train.adam(1e-4);
  const batches: Record<GpuBenchMode, number> = { infer: inferenceBatchSize(SIZE), train };
  const steps: Record<GpuBenchMode, (x: import('@tensorflow/tfjs').Tensor4D, y: import('@tensorflow/tfjs').Tensor2D) => Promise<void>> = {
    infer: async (x) => {
      const out = model.forward(x);
      await out.data();
      out.dispose();
    },
    train: async (x, y) => {
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.forward(x, { training: true })), true, trainable)!;
      await loss.data();
      loss.dispose();
    },
  };
  for (const mode of ['infer', 'train'] as const) {
    const n = batches[mode];
    if (n === 0) continue;
    const x = tf.randomNormal([n, SIZE, SIZE, 3]) as import('@tensorflow/tfjs').Tensor4D;
    const y = tf.oneHot(tf.range(0, n, 1, 'int32'), 1000).toFloat() as import('@tensorflow/tfjs').Tensor2D;
    emit({ type: 'phase', mode, phase: 'warm-up step' });
    const w0 = performance.now();
    await steps[mode](x, y);
    let perStep = (performance.now() - w0) / 1000;
    emit({ type: 'phase', mode, phase: `timed steps after a ${perStep.toFixed(0)} s warm-up` });
    let done = 0;
    const t0 = performance.now();
    while (anotherStepFits(done, (performance.now() - t0) / 1000, Number(window), perStep, left())) {
      const s0 = performance.now();
      await steps[mode](x, y);
      perStep = (performance.now() - s0) / 1000;
      done++;
    }
    const wall = (performance.now() - t0) / 1000;
    emit(done > 0 ? { type: 'cell', mode, imagesPerSecond: (done * n) / wall, batch: n, steps: done } : { type: 'cell', mode, imagesPerSecond: n / perStep, batch: n, steps: 0, warmUpOnly: true });
    tf.dispose([x, y]);
  }
}

await main();
process.exit(0);
