import type { BackendRung } from '../../../shared/contract/system.ts';

/**
 * Rough training-time estimates, to pick a strategy that fits the machine and to show a duration
 * in the plan. Costs are in forward-pass GFLOPs: a training step costs about three forward passes
 * (forward, input gradients, weight gradients), a validation or frozen-prefix pass one.
 */

/**
 * Sustained forward GFLOP/s per rung for these small-batch fine-tuning steps. wasm and cpu were
 * measured on the 2-core reference machine (resnet18 at 32 px, full fine-tuning: ~2.5 GFLOP/s
 * with validation included); the native rungs are conservative figures for a workstation, webgpu
 * one for a mid-range GPU (TF.js's WebGPU kernels reach a fraction of cuDNN's speed).
 */
export const RUNG_GFLOPS: Record<BackendRung, number> = { 'tfjs-node-gpu': 400, webgpu: 100, 'tfjs-node': 20, wasm: 2.5, cpu: 0.25 };

/** Forward GFLOPs of one image at `size`, from the architecture's figure at its native size. */
export function gflopsAt(gflops: number, nativeSize: number, size: number): number {
  return gflops * (size / nativeSize) ** 2;
}

export interface BudgetInput {
  /** Forward GFLOPs of one image at the run's size. */
  gflops: number;
  trainImages: number;
  valImages: number;
  epochs: number;
  rung: BackendRung;
}

/** Seconds to fine-tune every layer for the whole run. */
export function fullRunSeconds(b: BudgetInput): number {
  return (b.epochs * (3 * b.trainImages + b.valImages) * b.gflops) / RUNG_GFLOPS[b.rung];
}

/**
 * Seconds for a run whose layers below `frozenShare` of the compute are frozen and cached (top,
 * linear): one forward pass over every image, then the trained top each epoch.
 */
export function cachedRunSeconds(b: BudgetInput, trainedShare: number): number {
  const once = (b.trainImages + b.valImages) * b.gflops;
  return (once + trainedShare * b.epochs * (3 * b.trainImages + b.valImages) * b.gflops) / RUNG_GFLOPS[b.rung];
}

/** Seconds a run of `epochs` takes at a measured pace (validation: a forward pass, a third of a step). */
export function secondsAtPace(imagesPerSec: number, trainImages: number, valImages: number, epochs: number): number {
  return (epochs * (trainImages + valImages / 3)) / imagesPerSec;
}

/** "about 40 s", "about 12 min", "about 3.5 h". */
export function describeSeconds(s: number): string {
  if (s < 90) return `about ${Math.max(1, Math.round(s / 5) * 5)} s`;
  if (s < 90 * 60) return `about ${Math.round(s / 60)} min`;
  return `about ${(s / 3600).toFixed(1)} h`;
}

/**
 * Memory a rung can give one training process, in MB. wasm32 addresses 4 GiB; TF.js's heap grows
 * to it, and 3.5 GB leaves room for fragmentation. The others get half the machine's memory (the
 * CUDA rung: a conservative 6 GB of device memory, which this process cannot query; webgpu: 4 GB,
 * as WebGPU reports no memory size at all, except for a software adapter, whose "GPU memory" is
 * the machine's).
 */
export function memoryBudgetMb(rung: BackendRung, totalMb: number, softwareAdapter = false): number {
  if (rung === 'wasm') return 3500;
  if (rung === 'tfjs-node-gpu') return 6000;
  if (rung === 'webgpu' && !softwareAdapter) return 4000;
  return totalMb / 2;
}

/**
 * Float32 values of the largest single buffer one image needs in a training step on webgpu. ResNet:
 * the 7×7 stem's patch matrix ((S/2)² × 147) and a 3×3 conv's at S/4 with 64 channels ((S/4)² × 576)
 * are both about 37·S² (an upper bound: TF.js may not materialise them). ViT: the attention scores
 * (heads × T²) or the MLP's hidden activations (T × 4·dim), T tokens.
 */
export function largestBufferFloatsPerImage(family: 'resnet' | 'vit', size: number, vit?: { patchSize: number; embedDim: number; numHeads: number; mlpRatio: number }): number {
  if (family === 'resnet' || !vit) return 37 * size * size;
  const tokens = (size / vit.patchSize) ** 2 + 1;
  return Math.max(vit.numHeads * tokens * tokens, tokens * vit.embedDim * vit.mlpRatio);
}

/**
 * The largest batch whose biggest buffer fits the adapter: WebGPU refuses a buffer over
 * maxBufferSize and a binding over maxStorageBufferBindingSize (128 MiB on many adapters) however
 * much memory the GPU has.
 */
export function bufferLimitedBatch(floatsPerImage: number, limits: { maxBufferSize: number; maxStorageBufferBindingSize: number }): number {
  return Math.floor(Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize) / (4 * floatsPerImage));
}

export interface MemoryInput {
  paramsMillions: number;
  /** MB one image keeps for the backward pass of full fine-tuning, at the run's size. */
  mbPerImage: number;
  /** Whether gradients flow through (nearly) the whole body: full, gradual, adapter, lora. */
  throughBody: boolean;
  /** Whether the body's own weights get gradients and AdamW moments: full, gradual. */
  trainsBody: boolean;
}

/**
 * Peak MB of one training step at batch `batch`: the weights, their gradients and AdamW moments
 * (measured: about 7 × 4 bytes per parameter at the peak of full fine-tuning, 3 × when only small
 * parts train), plus each image's activations (a cached-prefix strategy keeps a tenth of them).
 */
export function stepMemoryMb(m: MemoryInput, batch: number): number {
  const weights = m.paramsMillions * 4 * (m.trainsBody ? 7 : 3);
  return weights + batch * m.mbPerImage * (m.throughBody ? 1 : 0.1);
}

/** The largest power-of-two batch up to `wanted` whose step fits `budgetMb`; 0 when not even one image fits. */
export function largestBatch(m: MemoryInput, wanted: number, budgetMb: number): number {
  let batch = 1;
  while (batch * 2 <= wanted) batch *= 2;
  if (wanted < batch * 2 && stepMemoryMb(m, wanted) <= budgetMb) return wanted;
  while (batch >= 1 && stepMemoryMb(m, batch) > budgetMb) batch /= 2;
  return batch >= 1 ? batch : 0;
}
