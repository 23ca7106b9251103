import { EngineError } from '../../../../shared/contract/errors.ts';
import { accuracyName } from '../../../../shared/metric-names.ts';
import type { RunOptions } from '../../../../shared/contract/runs.ts';
import { type BackendRung, isBackendRung } from '../../../../shared/contract/system.ts';
import type { LrFindResult, RunDetail, RunPlan, StrategyChoice } from '../../../../shared/domain/run.ts';
import { ALPHA_SCHEDULE_NAMES, GUIDE_SHARES, RESIZE_MODES, STRATEGY_NAMES } from '../../../../shared/domain/run.ts';
import { type Command, type CommandContext, type OptionSpec, UsageError, numberOption, shellPath } from '../command.ts';
import { reportProgress } from '../progress.ts';

export const RUN_OPTIONS: OptionSpec = {
  backbone: { type: 'string' },
  weights: { type: 'string' },
  pretrained: { type: 'boolean' },
  strategy: { type: 'string' },
  epochs: { type: 'string' },
  'image-size': { type: 'string' },
  lr: { type: 'string' },
  'body-lr': { type: 'string' },
  'unfreeze-share': { type: 'string' },
  'batch-size': { type: 'string' },
  aux: { type: 'string' },
  augment: { type: 'boolean' },
  'no-augment': { type: 'boolean' },
  'no-lr-search': { type: 'boolean' },
  resize: { type: 'string' },
  backend: { type: 'string' },
  seed: { type: 'string' },
  patience: { type: 'string' },
};

/** Options shared by `train` and `lr-find`, checked here so mistakes are usage errors (exit 2). */
export function runOptions(values: CommandContext['values']): RunOptions {
  const backbone = values.backbone;
  if (typeof backbone !== 'string' || !backbone) throw new UsageError('--backbone NAME is required (e.g. resnet18, vit_tiny_patch16_224)');
  if (values.weights && values.pretrained) throw new UsageError('use either --weights FILE or --pretrained, not both');
  const strategy = (values.strategy as string | undefined) ?? 'auto';
  if (strategy !== 'auto' && !(STRATEGY_NAMES as readonly string[]).includes(strategy)) {
    throw new UsageError(`--strategy must be auto, ${STRATEGY_NAMES.join(', ')}; got "${strategy}"`);
  }
  const aux = values.aux as string | undefined;
  if (aux && !(ALPHA_SCHEDULE_NAMES as readonly string[]).includes(aux)) throw new UsageError(`--aux must be one of ${ALPHA_SCHEDULE_NAMES.join(', ')}`);
  const resize = values.resize as string | undefined;
  if (resize !== undefined && !(RESIZE_MODES as readonly string[]).includes(resize)) {
    throw new UsageError(`--resize must be crop (centre crop, the default) or pad (keep the whole image, pad to square); got "${resize}"`);
  }
  const unfreezeShare = numberOption(values, 'unfreeze-share');
  if (unfreezeShare !== undefined && !(unfreezeShare > 0 && unfreezeShare <= 1)) {
    throw new UsageError(`--unfreeze-share is the share of the backbone gradual unfreezes, above 0 and at most 1 (0.5: the top half); got ${unfreezeShare}`);
  }
  const int = (name: string) => {
    const n = numberOption(values, name);
    if (n !== undefined && (!Number.isInteger(n) || n < 0)) throw new UsageError(`--${name} expects a whole number`);
    return n;
  };
  return {
    backbone,
    weights: values.weights as string | undefined,
    pretrained: values.pretrained === true ? true : undefined,
    strategy: strategy as StrategyChoice,
    epochs: int('epochs'),
    imageSize: int('image-size'),
    lr: numberOption(values, 'lr'),
    bodyLr: numberOption(values, 'body-lr'),
    unfreezeShare,
    batchSize: int('batch-size'),
    auxSchedule: aux as RunOptions['auxSchedule'],
    augment: values['no-augment'] ? false : values.augment ? true : undefined,
    lrSearch: values['no-lr-search'] ? false : undefined,
    resize: resize as RunOptions['resize'],
    backend: values.backend as string | undefined,
    seed: int('seed'),
    patience: int('patience'),
  };
}

function describePlan(plan: RunPlan): string {
  return [
    `Strategy  ${plan.strategy}: ${plan.reason}`,
    `Trains    ${plan.trainableParams.toLocaleString('en')} of ${plan.totalParams.toLocaleString('en')} parameters (${(plan.trainableShare * 100).toFixed(2)}%; the guide: ${GUIDE_SHARES[plan.strategy]})`,
    `LR        ${plan.lrNote}`,
    `          ${Object.entries(plan.learningRates).map(([g, lr]) => `${g} ${lr.toExponential(1)}`).join(', ')}`,
    `Data      ${plan.trainImages} train, ${plan.valImages} validation images`,
    `Input     ${plan.config.imageSize} px, ${plan.config.resize === 'pad' ? 'whole image padded to square (--resize pad)' : 'centre crop (--resize crop)'}`,
    `Duration  ${plan.estimate.text}`,
    `Memory    ${plan.estimate.memory.text}`,
  ].join('\n');
}

/** The run's summary; a resumed run has no fresh plan, so its recorded config stands in. */
export function runSummary(run: RunDetail, plan: RunPlan | null) {
  const last = run.metrics.at(-1) ?? null;
  return {
    runId: run.id,
    status: run.status,
    backbone: run.backbone,
    backend: run.backend,
    strategy: run.strategy,
    strategyReason: plan?.reason ?? null,
    trainableParams: run.trainableParams,
    totalParams: run.totalParams,
    trainableShare: run.trainableShare,
    resize: run.config.resize,
    lr: plan?.lr ?? run.config.lr,
    bodyLr: plan?.config.bodyLr ?? run.config.bodyLr ?? null,
    /** Peak rate per layer group, from the plan (null for a resumed run: see its metrics rows). */
    learningRates: plan?.learningRates ?? null,
    epochs: run.metrics,
    /** The metrics of the checkpoint Evaluate and Export use, why the run stopped, and any warnings. */
    summary: run.summary,
    final: last ? { epoch: last.epoch, valLoss: last.valLoss, valAccuracy: last.valAccuracy, valAuc: last.valAuc } : null,
    best: { epoch: run.bestEpoch, valLoss: run.bestMetric },
    checkpoints: run.checkpoints,
  };
}

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);

/** `--resume RUN`: the run id, and no run option beside it but --backend (a resumed run keeps its own settings; a lost GPU may force another backend). */
function resumeOption(values: CommandContext['values']): number | null {
  if (values.resume === undefined) return null;
  const id = Number(values.resume);
  if (!Number.isInteger(id) || id < 1) throw new UsageError(`--resume expects a run id (see "labeltune runs"), got "${String(values.resume)}"`);
  const extra = Object.keys(RUN_OPTIONS).filter((k) => k !== 'backend' && values[k] !== undefined);
  if (extra.length) throw new UsageError(`--resume continues run ${id} with its own settings; drop ${extra.map((k) => `--${k}`).join(', ')}`);
  if (values.backend !== undefined && !isBackendRung(values.backend)) throw new UsageError(`--backend ${String(values.backend)} is not a backend (see "labeltune doctor")`);
  return id;
}

export const trainCommand: Command = {
  name: 'train',
  usage: 'train <project> (--backbone NAME [--weights FILE | --pretrained] [--strategy auto|full|top|linear|gradual|adapter|lora] [--epochs N] [--image-size N] [--resize crop|pad] [--lr X | --no-lr-search] [--body-lr X] [--unfreeze-share X] [--batch-size N] [--aux SCHEDULE] [--backend RUNG] | --resume RUN [--backend RUNG])',
  summary: 'Fine-tune a backbone on the project\'s labelled train split, or continue a stopped run from its last checkpoint (--resume); prints the run summary.',
  options: { ...RUN_OPTIONS, resume: { type: 'string' } },
  minPositionals: 1,
  maxPositionals: 1,
  async run({ positionals, values, client, json, out, err }) {
    const resume = resumeOption(values);
    const opts = resume === null ? runOptions(values) : null;
    await client.invoke('project.open', { dir: shellPath(positionals[0]) });
    let plan: RunPlan | null = null;
    let started: { runId: number; jobId: string };
    if (opts) {
      plan = await client.invoke('runs.plan', opts);
      if (!json) err(describePlan(plan));
      // The run trains exactly the plan printed: its config, seed and parameter counts.
      started = await client.invoke('runs.start', { planId: plan.planId!, name: opts.name });
    } else {
      if (!json) err(`Resuming run ${resume} from its last checkpoint.`);
      const backend = values.backend === undefined ? {} : { backend: values.backend as BackendRung };
      started = await client.invoke('runs.resume', { runId: resume as number, ...backend });
    }
    const { runId, jobId } = started;
    const stop = reportProgress(client, jobId);
    const job = await client.invoke('job.wait', { jobId }).finally(stop);
    const run = await client.invoke('runs.get', { runId });
    if (job.status !== 'completed') throw new EngineError((job.error?.code as never) ?? 'internal', `Run ${runId} ${job.status}: ${job.error?.message ?? ''}`);
    if (!json) {
      const acc = `val ${accuracyName(run.config.multiLabel).replace('accuracy', 'acc')}`;
      for (const m of run.metrics) {
        out(`epoch ${m.epoch}  train loss ${m.trainLoss?.toFixed(4)}  val loss ${m.valLoss?.toFixed(4)}  ${acc} ${pct(m.valAccuracy)}  val AUC ${m.valAuc?.toFixed(3) ?? '—'}  ${m.imagesPerSec?.toFixed(1)} img/s`);
      }
      out(`Run ${run.id} ${run.status} on ${run.backend}; best epoch ${run.bestEpoch} (val loss ${run.bestMetric?.toFixed(4)}).`);
      const s = run.summary;
      if (s) {
        out(`Evaluate and Export use epoch ${s.metricsEpoch}'s checkpoint: ${acc} ${pct(s.valAccuracy)}.`);
        if (s.stopReason) out(s.stopReason);
        for (const w of s.warnings) err(`Warning: ${w}`);
      }
    }
    return runSummary(run, plan);
  },
};

export const lrFindCommand: Command = {
  name: 'lr-find',
  usage: 'lr-find <project> --backbone NAME [--weights FILE | --pretrained] [--strategy S] [--steps N] [--min-lr X] [--max-lr X]',
  summary: 'LR range test: train briefly with a growing learning rate and suggest one; the curve is stored in the project.',
  options: { ...RUN_OPTIONS, steps: { type: 'string' }, 'min-lr': { type: 'string' }, 'max-lr': { type: 'string' } },
  minPositionals: 1,
  maxPositionals: 1,
  async run({ positionals, values, client, json, out }) {
    const opts = runOptions(values);
    await client.invoke('project.open', { dir: shellPath(positionals[0]) });
    const { jobId } = await client.invoke('runs.lrFind', {
      ...opts,
      steps: numberOption(values, 'steps'),
      minLr: numberOption(values, 'min-lr'),
      maxLr: numberOption(values, 'max-lr'),
    });
    const stop = reportProgress(client, jobId);
    const job = await client.invoke('job.wait', { jobId }).finally(stop);
    if (job.status !== 'completed') throw new EngineError((job.error?.code as never) ?? 'internal', `lr-find ${job.status}: ${job.error?.message ?? ''}`);
    const result = job.result as LrFindResult;
    if (!json) out(`Suggested LR ${result.suggestion.toExponential(2)} (curve of ${result.curve.length} points in ${result.path})`);
    return result;
  },
};
