import type { ParamShapes } from '../backbones/layout.ts';
import { countParams, headGroup, parameterGroups, totalParams } from './groups.ts';

/**
 * Layer-wise unfreezing at the granularity the guide's 20-50% needs. A ResNet stage is too coarse
 * (resnet18's layer4 alone holds 75% of the weights), so the unit is the numbered child of a group:
 * a residual block (`layer4.1`) or a transformer block (`blocks.11`); other groups (stem, a ViT's
 * final norm) are one unit each, and a unit under half a percent rides with the one below it.
 */
export interface UnfreezeUnit {
  name: string;
  params: string[];
  /** Share of the backbone's parameters. */
  share: number;
}

const TINY_UNIT = 0.005;

/** Default share of the body `gradual` unfreezes from the top: the guide's upper bound for medium data. */
export const GRADUAL_SHARE = 0.5;

/** `layer4.1.conv2.weight` → `layer4.1`; `blocks.3.attn.qkv.weight` → `blocks.3`; else its group. */
export function unitOf(param: string, group: string): string {
  const m = /^([A-Za-z_]+\d*\.\d+)\./.exec(param);
  return m ? m[1] : group;
}

/** The body's units from the head down (the head is not one: it trains from the first epoch). */
export function unfreezeUnits(backbone: ParamShapes): UnfreezeUnit[] {
  const total = totalParams(backbone);
  const head = headGroup(backbone);
  const inputFirst: UnfreezeUnit[] = [];
  for (const g of parameterGroups(backbone)) {
    if (g.name === head) continue;
    for (const p of g.params) {
      const name = unitOf(p, g.name);
      const last = inputFirst.at(-1);
      if (last?.name === name) last.params.push(p);
      else inputFirst.push({ name, params: [p], share: 0 });
    }
  }
  for (const u of inputFirst) u.share = countParams(backbone, u.params) / total;
  const units: UnfreezeUnit[] = [];
  let carry: UnfreezeUnit | null = null;
  for (const u of inputFirst.reverse()) {
    const unit: UnfreezeUnit = carry ? { name: `${carry.name}+${u.name}`, params: [...carry.params, ...u.params], share: carry.share + u.share } : u;
    carry = unit.share < TINY_UNIT ? unit : null;
    if (!carry) units.push(unit);
  }
  if (carry) units.push(carry);
  return units;
}

/**
 * The units to unfreeze: from the top while the body share stays within `share` (at least one, so
 * `gradual` always reaches into the body; share 1 takes them all).
 */
export function unitsForShare(units: readonly UnfreezeUnit[], share: number): UnfreezeUnit[] {
  const chosen: UnfreezeUnit[] = [];
  let sum = 0;
  for (const u of units) {
    if (chosen.length > 0 && sum + u.share > share + 1e-9) break;
    chosen.push(u);
    sum += u.share;
  }
  return chosen;
}

/**
 * How many units are unfrozen in `epoch` (0-based). Epoch 0 trains the head alone (ULMFiT); then one
 * unit per epoch, or more when that would not reach them all by the middle of the run, so the
 * unfrozen layers get the second half to train together. `every` (epochs per unit) overrides it.
 */
export function unfrozenCount(epoch: number, units: number, epochs: number, every?: number): number {
  if (every) return Math.min(units, Math.floor(epoch / every));
  const half = Math.max(1, Math.ceil((epochs - 1) / 2));
  return Math.min(units, epoch * Math.max(1, Math.ceil(units / half)));
}
