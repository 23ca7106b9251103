/**
 * Learning-rate rules: the default fine-tuning LR, layer-wise decay across groups and the
 * per-step schedule (linear warmup, then cosine decay).
 */

/** Used when a backbone's pretraining LR is not known. */
export const FALLBACK_LR = 1e-4;
/** AdamW's usual LR for a network trained from random initialisation. */
export const SCRATCH_LR = 1e-3;

export interface DefaultLr {
  lr: number;
  note: string;
}

/** The seed's rule: fine-tune at the backbone's pretraining LR / 10. */
export function defaultLr(arch: string, pretrainingLr: number | null | undefined, fromPretrained = true): DefaultLr {
  if (!fromPretrained) {
    return { lr: SCRATCH_LR, note: `No pretrained weights: ${arch} trains from random initialisation at ${SCRATCH_LR} (the fine-tuning rule, a tenth of the pretraining LR, only applies to pretrained weights).` };
  }
  if (pretrainingLr && pretrainingLr > 0) {
    return { lr: pretrainingLr / 10, note: `${arch} was pretrained at LR ${pretrainingLr}; fine-tuning at a tenth of it.` };
  }
  return { lr: FALLBACK_LR, note: `The pretraining LR of ${arch} is not known; using ${FALLBACK_LR}. Run lr-find to pick a better one.` };
}

/**
 * Layer-wise (discriminative) LRs: the last group gets `baseLr`, each group below it `decay` times
 * the one above (ULMFiT uses 1/2.6; BEiT-style layer decay 0.65-0.75).
 */
export function groupLearningRates(groups: readonly string[], baseLr: number, decay: number): Record<string, number> {
  const out: Record<string, number> = {};
  groups.forEach((g, i) => {
    out[g] = baseLr * decay ** (groups.length - 1 - i);
  });
  return out;
}

/** Multiplier of the LR at `step` (0-based) of `totalSteps`: linear warmup to 1, then cosine to `minRatio`. */
export function lrMultiplier(step: number, totalSteps: number, warmupSteps: number, minRatio = 0.01): number {
  if (warmupSteps > 0 && step < warmupSteps) return (step + 1) / warmupSteps;
  const span = Math.max(1, totalSteps - warmupSteps);
  const t = Math.min(1, (step - warmupSteps) / span);
  return minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * t));
}
