import type { EvaluationMetrics, Interval } from '../../../shared/domain/evaluation.ts';
import { SPLIT_NAMES } from '../../../shared/domain/splits.ts';
import { EXACT_MATCH_NAME, accuracyName } from '../../../shared/metric-names.ts';
import { wilsonInterval } from '../../../shared/metrics/intervals.ts';
import type { ModelCard } from './model-card.ts';

/**
 * The card as one Markdown page, for people: what the model does, on what data, how it was trained,
 * how well it did and where not to trust it. Curves, the confusion matrix and per-epoch figures
 * stay in model-card.json: a page of number arrays is read by nobody.
 */

const MULTI_LABEL_ACCURACY_NOTE = `Accuracy is per label: the share of (image, label) decisions right at p >= 0.5, in training and evaluation alike; the evaluation's ${EXACT_MATCH_NAME} is the share of images with every label right.`;

const pct = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : `${(100 * x).toFixed(1)}%`);
const fixed = (x: number | null | undefined, digits = 3) => (x === null || x === undefined ? 'n/a' : x.toFixed(digits));
const range = (i: Interval | null | undefined, f: (x: number) => string) => (i ? ` (95% CI ${f(i.low)}–${f(i.high)})` : '');
const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
/** A sentence set in parentheses loses its full stop: "(chosen by the user)". */
const aside = (s: string) => ` (${s.replace(/\.$/, '')})`;

const SPLIT_TITLES: Record<string, string> = { train: 'train', val: 'validation', test: 'test' };

function summary(card: ModelCard): string[] {
  const d = card.data;
  const multi = card.metrics.accuracyName === accuracyName(true);
  const splits = SPLIT_NAMES.filter((s) => d.perSplit[s]);
  const total = (s: string) => Object.values(d.perSplit[s] ?? {}).reduce((a, n) => a + n, 0);
  const rows = [
    `| class | ${splits.map((s) => SPLIT_TITLES[s]).join(' | ')} |`,
    `|---|${splits.map(() => '---:').join('|')}|`,
    ...card.classes.map((c) => `| ${c} | ${splits.map((s) => d.perSplit[s]?.[c] ?? 0).join(' | ')} |`),
    `| **${multi ? 'labels' : 'images'}** | ${splits.map(total).join(' | ')} |`,
    `| **groups** | ${splits.map((s) => d.groupsPerSplit[s]).join(' | ')} |`,
  ];
  return [
    '## Summary',
    '',
    `- Task: ${multi ? 'multi-label' : 'single-label'} image classification into ${count(card.classes.length, 'class', 'classes')}: ${card.classes.join(', ')}.`,
    `- Export: ${card.format} (${card.files.join(', ')}).`,
    `- Groups: ${d.groups}, counted as the Splits view counts them (an image without a group is its own); ${d.groupPolicy}.`,
    `- Exact duplicates marked at import: ${d.duplicatesExcluded}. Excluded images: ${d.excluded}.`,
    '',
    `Labelled images per split:`,
    '',
    ...rows,
  ];
}

function training(card: ModelCard): string[] {
  const h = card.hyperparameters as { epochs?: number; lr?: number; bodyLr?: number; batchSize?: number; imageSize?: number; lrNote?: string };
  const m = card.model;
  const t = card.training;
  const lr = h.bodyLr !== undefined && h.bodyLr !== h.lr ? `${h.lr} (head), ${h.bodyLr} (body)` : String(h.lr ?? 'n/a');
  return [
    '## Training',
    '',
    `- Backbone: ${m.backbone}; weights: ${m.pretrainedFrom}.`,
    `- Strategy: ${m.strategy}${aside(m.strategyReason)}; trainable parameters ${m.trainableParams ?? 'n/a'} of ${m.totalParams ?? 'n/a'} (${pct(m.trainableShare)}).`,
    `- Epochs: ${t.epochs} run of ${h.epochs ?? 'n/a'} planned, best epoch ${t.bestEpoch ?? 'n/a'}; learning rate ${lr}${h.lrNote ? aside(h.lrNote) : ''}; batch size ${h.batchSize ?? 'n/a'}; image size ${h.imageSize ?? 'n/a'} px.`,
    `- Backend: ${t.backend ?? 'n/a'}${t.finishedAt ? `; finished ${t.finishedAt}` : ''}. Every hyperparameter is in model-card.json.`,
  ];
}

function accuracyLine(e: EvaluationMetrics, name: string): string {
  // Top-1 accuracy is a proportion of images; per-label accuracy is one of (image, label) decisions.
  const n = e.multiLabel ? e.images * e.classes.length : e.images;
  const interval = wilsonInterval(Math.round(e.accuracy * n), n);
  const parts = [`${name} ${pct(e.accuracy)}${range(interval, pct)}`];
  if (e.exactMatchAccuracy !== null) parts.push(`${EXACT_MATCH_NAME} ${pct(e.exactMatchAccuracy)}`);
  if (e.balancedAccuracy !== null) parts.push(`balanced accuracy ${pct(e.balancedAccuracy)}`);
  if (e.macro) parts.push(`macro F1 ${fixed(e.macro.f1)}`);
  parts.push(`expected calibration error ${fixed(e.calibration.ece)}`);
  return `${parts.join('; ')}.`;
}

function perClassTable(e: EvaluationMetrics): string[] {
  return [
    '| class | support | precision | recall | F1 | AUC | sensitivity | specificity |',
    '|---|---:|---:|---:|---:|---|---|---|',
    ...e.perClass.map(
      (c) =>
        `| ${c.name} | ${c.support} | ${fixed(c.precision)} | ${fixed(c.recall)} | ${fixed(c.f1)} | ${fixed(c.auc)}${range(c.aucInterval, (x) => x.toFixed(3))} | ${pct(c.sensitivity)}${range(c.sensitivityInterval, pct)} | ${pct(c.specificity)}${range(c.specificityInterval, pct)} |`,
    ),
  ];
}

function results(card: ModelCard): string[] {
  const v = card.metrics.validation;
  const name = card.metrics.accuracyName;
  const note = name === accuracyName(true) ? ` ${MULTI_LABEL_ACCURACY_NOTE}` : '';
  const out = ['## Results', '', `Validation (best epoch): loss ${v.loss?.toFixed(4) ?? 'n/a'}, ${name} ${pct(v.accuracy)}, AUC ${v.auc?.toFixed(3) ?? 'n/a'}.${note}`, ''];
  const e = card.metrics.evaluation as EvaluationMetrics | null;
  if (!e?.perClass) return [...out, 'Not evaluated on a held-out test split yet (`labeltune eval`).'];
  const checkpoint = e.checkpoint ? `, ${e.checkpoint.which} checkpoint (epoch ${e.checkpoint.epoch})` : '';
  return [
    ...out,
    `Evaluation on the ${SPLIT_TITLES[e.split]} split (${count(e.images, 'image')}${checkpoint}): ${accuracyLine(e, name)}`,
    '',
    ...perClassTable(e),
    '',
    'Intervals are 95%: Wilson for proportions, bootstrap for AUC. ROC and PR curves, the confusion matrix and the reliability curve are in model-card.json.',
  ];
}

function parity(card: ModelCard): string {
  const p = card.parity;
  if (!p) return 'Export parity: not checked.';
  return `Export parity: ${p.runtime} on ${p.images} held-out images, max relative error ${p.maxRelError.toExponential(2)} (${p.ok ? 'within' : 'ABOVE'} the 1e-4 tolerance).`;
}

/** The card as Markdown, for people. */
export function modelCardMarkdown(card: ModelCard): string {
  return [
    `# Model card: ${card.name}`,
    '',
    ...summary(card),
    '',
    ...training(card),
    '',
    ...results(card),
    '',
    parity(card),
    '',
    '## Intended use and limitations',
    '',
    card.intendedUse,
    '',
    ...card.limitations.map((l) => `- ${l}`),
    '',
    '## How to load it',
    '',
    '```',
    card.loading,
    '```',
    '',
    'Apply exactly the preprocessing in preprocessing.json (resize, crop, window, mean/std, channel order): a different preprocessing is the most common reason a model works in one tool and fails in another.',
    '',
    `Versions: ${Object.entries(card.versions).map(([k, val]) => `${k} ${val}`).join(', ')}.`,
    '',
  ].join('\n');
}
