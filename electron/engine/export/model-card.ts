import type { ParityCheck } from '../../../shared/domain/export.ts';
import { accuracyName } from '../../../shared/metric-names.ts';
import type { RunDetail } from '../../../shared/domain/run.ts';
import type { Database } from '../db/database.ts';
import { type FileSplit, SPLIT_NAMES, type SplitName } from '../../../shared/domain/splits.ts';
import { splitReport } from '../splits/store.ts';
import { FROM_SCRATCH_WARNING } from '../../../shared/domain/run.ts';

/** Counts that describe the data a model saw (model cards must say what the model was trained on). */
export interface DataSummary {
  classes: string[];
  /** split -> class -> labelled images (splits with no labelled image are left out). */
  perSplit: Record<string, Record<string, number>>;
  /** Groups in all splits, counted as the Splits view counts them: an image without a group is its own. */
  groups: number;
  /** split -> groups, as in the Splits view. */
  groupsPerSplit: Record<SplitName, number>;
  groupPolicy: string;
  duplicatesExcluded: number;
  excluded: number;
}

/** A split a file placed image by image keeps its groups where the file put them. */
function fileSplitPolicy(f: FileSplit): string {
  return `placed image by image by ${f.file}${f.leakingGroups > 0 ? `; ${f.leakingGroups} group(s) span two splits` : ': no group spans two splits'}`;
}

export function dataSummary(db: Database, classes: string[]): DataSummary {
  // The Splits view's report, so the card and the view never disagree on a count.
  const report = splitReport(db);
  const perSplit: Record<string, Record<string, number>> = {};
  for (const c of report.classes) {
    for (const s of SPLIT_NAMES) if (c.counts[s] > 0) (perSplit[s] ??= {})[c.name] = c.counts[s];
  }
  const groupsPerSplit = { train: report.parts.train.groups, val: report.parts.val.groups, test: report.parts.test.groups };
  const groupBy = report.settings?.groupBy;
  return {
    classes,
    perSplit,
    groups: SPLIT_NAMES.reduce((n, s) => n + groupsPerSplit[s], 0),
    groupsPerSplit,
    groupPolicy: report.fromFile ? fileSplitPolicy(report.fromFile) : groupBy === 'patient' ? 'grouped by patient / lot: no group spans two splits' : groupBy === 'none' ? 'not grouped' : 'unknown',
    duplicatesExcluded: db.prepare('SELECT count(*) FROM images WHERE duplicate_of IS NOT NULL').pluck().get() as number,
    excluded: report.excluded,
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
