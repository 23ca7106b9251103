import type { ParityCheck } from '../../../shared/domain/export.ts';
import { EXACT_MATCH_NAME, accuracyName } from '../../../shared/metric-names.ts';
import type { RunDetail } from '../../../shared/domain/run.ts';
import type { Database } from '../db/database.ts';
import { FROM_SCRATCH_WARNING } from '../../../shared/domain/run.ts';

/** Counts that describe the data a model saw (model cards must say what the model was trained on). */
export interface DataSummary {
  classes: string[];
  /** split -> class -> images. */
  perSplit: Record<string, Record<string, number>>;
  groups: number;
  groupPolicy: string;
  duplicatesExcluded: number;
  excluded: number;
}

export function dataSummary(db: Database, classes: string[]): DataSummary {
  const rows = db
    .prepare(
      `SELECT s.split, c.name AS class, count(*) AS n FROM images i
       JOIN splits s ON s.image_id = i.id
       JOIN labels l ON l.image_id = i.id JOIN tasks t ON t.id = l.task_id AND t.role = 'main'
       JOIN classes c ON c.id = l.class_id
       WHERE i.excluded = 0 GROUP BY s.split, c.name`,
    )
    .all() as { split: string; class: string; n: number }[];
  const perSplit: Record<string, Record<string, number>> = {};
  for (const r of rows) (perSplit[r.split] ??= {})[r.class] = r.n;
  const one = (sql: string) => (db.prepare(sql).pluck().get() as number) ?? 0;
  const settings = db.prepare("SELECT value FROM project_meta WHERE key = 'splits.settings'").pluck().get() as string | undefined;
  const groupBy = settings ? (JSON.parse(settings) as { groupBy?: string }).groupBy : undefined;
  return {
    classes,
    perSplit,
    groups: one('SELECT count(DISTINCT group_id) FROM images WHERE group_id IS NOT NULL AND excluded = 0'),
    groupPolicy: groupBy === 'patient' ? 'grouped by patient / lot: no group spans two splits' : groupBy === 'none' ? 'not grouped' : 'unknown',
    duplicatesExcluded: one('SELECT count(*) FROM images WHERE duplicate_of IS NOT NULL'),
    excluded: one('SELECT count(*) FROM images WHERE excluded = 1'),
  };
}

export interface ModelCard {
  schema: 'labeltune.model-card/1';
  name: string;
  intendedUse: string;
  format: string;
  files: string[];
  classes: string[];
  data: DataSummary;
  model: { backbone: string; pretrainedFrom: string; strategy: string; strategyReason: string; trainableParams: number | null; totalParams: number | null; trainableShare: number | null };
  hyperparameters: Record<string, unknown>;
  training: { backend: string | null; epochs: number; bestEpoch: number | null; finishedAt: string | null };
  /** `accuracyName`: what "accuracy" means here (single-label top-1, or multi-label per label). */
  metrics: { accuracyName: string; validation: Record<string, number | null>; evaluation: unknown };
  operatingPoint: unknown;
  parity: ParityCheck | null;
  limitations: string[];
  versions: Record<string, string>;
  loading: string;
}

export function modelCard(run: RunDetail, opts: { format: string; files: string[]; data: DataSummary; parity: ParityCheck | null; evaluation: unknown; loading: string; versions: Record<string, string> }): ModelCard {
  const c = run.config;
  const last = run.metrics.at(-1);
  const best = run.metrics.find((m) => m.epoch === run.bestEpoch) ?? last;
  return {
    schema: 'labeltune.model-card/1',
    name: run.name,
    intendedUse: `Classify images into ${c.classes.join(', ')} as decision support for a trained reader, on images like the training data (same modality, acquisition and preprocessing). Not a diagnosis; not validated for clinical use by LabelTune.`,
    format: opts.format,
    files: opts.files,
    classes: c.classes,
    data: opts.data,
    model: {
      backbone: c.backbone,
      pretrainedFrom: c.weights ?? (c.pretrained ? `pretrained cache for ${c.backbone}` : 'random initialisation'),
      strategy: c.strategy,
      strategyReason: c.strategyReason,
      trainableParams: run.trainableParams,
      totalParams: run.totalParams,
      trainableShare: run.trainableShare,
    },
    hyperparameters: { imageSize: c.imageSize, epochs: c.epochs, batchSize: c.batchSize, lr: c.lr, bodyLr: c.bodyLr ?? c.lr, lrNote: c.lrNote, layerDecay: c.layerDecay, weightDecay: c.weightDecay, labelSmoothing: c.labelSmoothing, classWeights: c.classWeights, augment: c.augment, horizontalFlip: c.horizontalFlip, resize: c.resize, seed: c.seed, aux: c.aux },
    training: { backend: run.backend, epochs: run.metrics.length, bestEpoch: run.bestEpoch, finishedAt: run.finishedAt },
    metrics: { accuracyName: accuracyName(c.multiLabel), validation: { loss: best?.valLoss ?? null, accuracy: best?.valAccuracy ?? null, auc: best?.valAuc ?? null }, evaluation: opts.evaluation },
    operatingPoint: null,
    parity: opts.parity,
    limitations: limitations(run, opts.data),
    versions: opts.versions,
    loading: opts.loading,
  };
}

function limitations(run: RunDetail, data: DataSummary): string[] {
  // What the run itself found wrong comes first: a model at chance must say so wherever it goes.
  const out: string[] = [...(run.summary?.warnings ?? [])];
  if (!run.config.weights && !run.config.pretrained) out.push(FROM_SCRATCH_WARNING);
  if (run.summary?.stopReason && !out.includes(run.summary.stopReason)) out.push(run.summary.stopReason);
  const train = Object.values(data.perSplit.train ?? {}).reduce((s, n) => s + n, 0);
  if (train < 1000) out.push(`Trained on ${train} labelled images: expect wide uncertainty on new data.`);
  const counts = Object.values(data.perSplit.train ?? {});
  if (counts.length && Math.max(...counts) > 3 * Math.min(...counts)) out.push('Classes are imbalanced in the training split; check per-class recall, not accuracy alone.');
  if (!data.perSplit.test) out.push('No test split was held out: the metrics above are validation metrics, used for model selection, and are optimistic.');
  if (data.groupPolicy !== 'grouped by patient / lot: no group spans two splits') out.push('Splits were not grouped by patient or lot: images of one source may sit in both training and validation.');
  out.push('Performance on another site, scanner, camera or population is unknown until measured there.');
  if (run.status !== 'completed') out.push(`The run did not complete (status: ${run.status}).`);
  return out;
}

const MULTI_LABEL_ACCURACY_NOTE = `Accuracy is per label: the share of (image, label) decisions right at p >= 0.5, in training and evaluation alike; the evaluation's ${EXACT_MATCH_NAME} is the share of images with every label right.`;

const pct = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : `${(100 * x).toFixed(1)}%`);

/** The card as Markdown, for people. */
export function modelCardMarkdown(card: ModelCard): string {
  const splits = Object.keys(card.data.perSplit).sort();
  const table = [`| class | ${splits.join(' | ')} |`, `|---|${splits.map(() => '---:').join('|')}|`, ...card.classes.map((c) => `| ${c} | ${splits.map((s) => card.data.perSplit[s]?.[c] ?? 0).join(' | ')} |`)];
  const v = card.metrics.validation;
  return [
    `# Model card: ${card.name}`,
    '',
    `## Intended use\n\n${card.intendedUse}`,
    '',
    `## Data\n\n${table.join('\n')}\n\nGroups: ${card.data.groups} (${card.data.groupPolicy}). Exact duplicates marked at import: ${card.data.duplicatesExcluded}. Excluded images: ${card.data.excluded}.`,
    '',
    `## Model\n\n- Backbone: ${card.model.backbone}, from ${card.model.pretrainedFrom}\n- Strategy: ${card.model.strategy} (${card.model.strategyReason})\n- Trainable parameters: ${card.model.trainableParams ?? 'n/a'} of ${card.model.totalParams ?? 'n/a'} (${pct(card.model.trainableShare)})\n- Backend: ${card.training.backend ?? 'n/a'}; ${card.training.epochs} epochs, best epoch ${card.training.bestEpoch ?? 'n/a'}`,
    '',
    `## Hyperparameters\n\n\`\`\`json\n${JSON.stringify(card.hyperparameters, null, 2)}\n\`\`\``,
    '',
    `## Metrics\n\nValidation (best epoch): loss ${v.loss?.toFixed(4) ?? 'n/a'}, ${card.metrics.accuracyName} ${pct(v.accuracy)}, AUC ${v.auc?.toFixed(3) ?? 'n/a'}.${card.metrics.accuracyName === accuracyName(true) ? ` ${MULTI_LABEL_ACCURACY_NOTE}` : ''}\n\n${card.metrics.evaluation ? `Evaluation on the test split:\n\n\`\`\`json\n${JSON.stringify(card.metrics.evaluation, null, 2)}\n\`\`\`` : 'Not evaluated on a held-out test split yet (`labeltune eval`).'}`,
    '',
    `## Export parity\n\n${card.parity ? `${card.parity.runtime} on ${card.parity.images} held-out images: max relative error ${card.parity.maxRelError.toExponential(2)} (${card.parity.ok ? 'within' : 'ABOVE'} the 1e-4 tolerance).` : 'Not checked.'}`,
    '',
    `## Known limitations\n\n${card.limitations.map((l) => `- ${l}`).join('\n')}`,
    '',
    `## How to load it\n\n\`\`\`\n${card.loading}\n\`\`\`\n\nApply exactly the preprocessing in preprocessing.json (resize, crop, window, mean/std, channel order): a different preprocessing is the most common reason a model works in one tool and fails in another.`,
    '',
    `## Versions\n\n${Object.entries(card.versions).map(([k, val]) => `- ${k}: ${val}`).join('\n')}`,
    '',
  ].join('\n');
}
