import type { RunMetricRow } from '../../../shared/domain/run.ts';

/** What the checks need to know besides the metric rows. */
export interface HealthContext {
  valImages: number;
  /** Share of the largest class in the validation set (derived from the run's manifest). */
  majorityRate: number;
  numClasses: number;
  multiLabel: boolean;
}

/** The share of the largest class among single-label images: what always answering it scores. */
export function majorityRate(items: readonly { classes: number[] }[], numClasses: number): number {
  const counts = new Array<number>(numClasses).fill(0);
  for (const it of items) if (it.classes.length === 1) counts[it.classes[0]]++;
  return items.length ? Math.max(...counts) / items.length : 0;
}

/** Two binomial standard errors of a rate `p` measured on `n` images: what noise can explain. */
function noise(p: number, n: number): number {
  return n > 0 ? 2 * Math.sqrt((p * (1 - p)) / n) : 1;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/**
 * Problems a finished run's numbers show, one sentence each with what to do: accuracy no better
 * than always answering the largest class, a training loss that never fell. `reported` is the
 * epoch whose checkpoint Evaluate and Export use.
 */
export function runWarnings(rows: readonly RunMetricRow[], reported: RunMetricRow | null, ctx: HealthContext): string[] {
  const warnings: string[] = [];
  const atChance = reported && chanceWarning(reported, ctx);
  if (atChance) warnings.push(atChance);
  const first = rows[0]?.trainLoss;
  const last = rows[rows.length - 1]?.trainLoss;
  if (rows.length >= 3 && first != null && last != null && last > 0.98 * first) {
    warnings.push(`The training loss did not fall (${first.toFixed(3)} in epoch 1, ${last.toFixed(3)} in epoch ${rows.length}): the learning rate is likely too low or too high. Run the LR finder, or check that the labels match the images.`);
  }
  return warnings;
}

function chanceWarning(row: RunMetricRow, ctx: HealthContext): string | null {
  if (ctx.multiLabel || row.valAccuracy === null) return null;
  const majority = ctx.majorityRate;
  const balanced = numberOr(row.extra.valBalancedAccuracy, null);
  const uniform = 1 / ctx.numClasses;
  const accAtChance = row.valAccuracy <= majority + noise(majority, ctx.valImages);
  const balancedAtChance = balanced === null || balanced <= uniform + noise(uniform, ctx.valImages);
  // A model that ranks the classes well (AUC) but picks the wrong argmax is miscalibrated, not
  // blind: saying "at chance" next to an AUC of 1.0 would contradict the numbers shown beside it.
  const ranksAtChance = row.valAuc === null || row.valAuc < 0.7;
  if (!accAtChance || !balancedAtChance || !ranksAtChance) return null;
  const balancedText = balanced === null ? '' : `, and its balanced accuracy ${pct(balanced)} is at chance (${pct(uniform)} for ${ctx.numClasses} classes)`;
  return `The model is at chance: validation accuracy ${pct(row.valAccuracy)} (epoch ${row.epoch}) is no better, within noise, than always answering the largest class (${pct(majority)} of ${ctx.valImages} validation images)${balancedText}. Do not use it: check the labels, use pretrained weights, or train longer.`;
}

function numberOr<T>(v: unknown, fallback: T): number | T {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}
