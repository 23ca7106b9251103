/**
 * Learning-rate rules for the app's optimizer (AdamW): a head rate for the parts a run adds, the
 * pretrained body one order of magnitude below it, layer-wise decay below that, and the per-step
 * schedule (linear warmup, then cosine decay). Sources and measurements: docs/training.md.
 */

/**
 * AdamW rate of the parts a fine-tuning run adds (classifier, LoRA, adapters, auxiliary head,
 * loss weights), per family. fastai's `fine_tune` trains a new head at 2e-3 (Adam) and PEFT's
 * image-classification examples train LoRA at 1e-3 to 5e-3; measured on real pretrained weights
 * (docs/training.md): a ResNet's head and BatchNorm body take 1e-2 (full fine-tuning 0.90 test
 * accuracy against 0.84 at 2e-3); a ViT's LoRA 3e-3 (0.68 against 0.63 at 1e-3 on one split, equal
 * within noise on another).
 */
export const HEAD_LR = { resnet: 1e-2, vit: 3e-3 } as const;
/** The pretrained body learns one order of magnitude below the new parts (the guide's rule). */
export const BODY_LR_RATIO = 0.1;
/** AdamW's usual rate for a network trained from random initialisation: every part is new. */
export const SCRATCH_LR = 1e-3;

/**
 * LR ratio between neighbouring body groups, from the top down. ViTs: timm/BEiT's layer decay
 * (0.75 over 12 blocks puts the patch embedding at ~3% of the top block's rate). ResNets: fastai
 * spreads its body rates over two orders of magnitude; 0.6 over 5 groups puts the stem at ~1/8.
 */
export const LAYER_DECAY = { resnet: 0.6, vit: 0.75 } as const;

export interface LrRule {
  /** Rate of the new parts (head, LoRA, adapters, auxiliary head, loss weights). */
  headLr: number;
  /** Rate of the pretrained body's top group; the groups below decay by `layerDecay`. */
  bodyLr: number;
  layerDecay: number;
  /** One sentence for the plan, the CLI and the model card. */
  note: string;
}

export interface LrRuleInput {
  arch: string;
  family: keyof typeof LAYER_DECAY;
  fromPretrained: boolean;
  /** A head rate the user set (the body still learns one order below it). */
  headLr?: number;
  bodyLr?: number;
  layerDecay?: number;
}

/** The default rates of a run, and why. */
export function lrRule(input: LrRuleInput): LrRule {
  if (!input.fromPretrained) {
    const lr = input.headLr ?? SCRATCH_LR;
    return {
      headLr: lr,
      bodyLr: input.bodyLr ?? lr,
      layerDecay: input.layerDecay ?? 1,
      note: `No pretrained weights: every layer of ${input.arch} is new, so all train at ${fmt(lr)} (AdamW).`,
    };
  }
  const headLr = input.headLr ?? HEAD_LR[input.family];
  const bodyLr = input.bodyLr ?? headLr * BODY_LR_RATIO;
  const layerDecay = input.layerDecay ?? LAYER_DECAY[input.family];
  const origin = input.headLr === undefined ? 'AdamW fine-tuning default' : 'set by the user';
  return {
    headLr,
    bodyLr,
    layerDecay,
    note: `New parts at ${fmt(headLr)} (${origin}); the pretrained body one order of magnitude below, at ${fmt(bodyLr)} for its top group, ×${layerDecay} per group below.`,
  };
}

/**
 * Peak LR of every group: the head gets `headLr`; the body's top group `bodyLr` and each group
 * below it `decay` times the one above.
 */
export function groupLearningRates(groups: readonly string[], headLr: number, bodyLr: number, decay: number): Record<string, number> {
  const out: Record<string, number> = {};
  const top = groups.length - 2;
  groups.forEach((g, i) => {
    out[g] = i === groups.length - 1 ? headLr : bodyLr * decay ** (top - i);
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

function fmt(lr: number): string {
  return lr.toExponential(1).replace('.0e', 'e');
}
