import type { BackendRung } from '../../../shared/contract/system.ts';

/**
 * Rough training-time estimates, to pick a strategy that fits the machine and to show a duration
 * in the plan. Costs are in forward-pass GFLOPs: a training step costs about three forward passes
 * (forward, input gradients, weight gradients), a validation or frozen-prefix pass one.
 */

/**
 * Sustained forward GFLOP/s per rung for these small-batch fine-tuning steps. wasm and cpu were
 * measured on the 2-core reference machine (resnet18 at 32 px, full fine-tuning: ~2.5 GFLOP/s
 * with validation included); the native rungs are conservative figures for a workstation.
 */
export const RUNG_GFLOPS: Record<BackendRung, number> = { 'tfjs-node-gpu': 400, 'tfjs-node': 20, wasm: 2.5, cpu: 0.25 };

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

/** "about 40 s", "about 12 min", "about 3.5 h". */
export function describeSeconds(s: number): string {
  if (s < 90) return `about ${Math.max(1, Math.round(s / 5) * 5)} s`;
  if (s < 90 * 60) return `about ${Math.round(s / 60)} min`;
  return `about ${(s / 3600).toFixed(1)} h`;
}
