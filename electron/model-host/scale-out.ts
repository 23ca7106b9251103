import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { EngineError, validation } from '../../shared/contract/errors.ts';
import type { HostArgs, HostResult } from '../../shared/contract/model-host.ts';
import type { JobAdapters, JobAux, JobLoopState, JobModelSpec } from '../../shared/contract/model-host-jobs.ts';
import type { RunConfig } from '../../shared/domain/run.ts';
import { createBackbone } from '../training/backbones/index.ts';
import type { Backbone } from '../training/backbones/types.ts';
import { DEFAULT_AUGMENT } from '../training/finetune/augment.ts';
import { AuxHead } from '../training/finetune/aux-head.ts';
import { CHECKPOINT_FORMAT, type CheckpointMeta, checkpointFileName } from '../training/finetune/checkpoint.ts';
import type { Extension } from '../training/finetune/extensions.ts';
import { parameterGroups } from '../training/finetune/groups.ts';
import { groupLearningRates } from '../training/finetune/lr.ts';
import { createStrategy, paramTrains, trainableSummary } from '../training/finetune/strategies.ts';
import { describePreprocessing } from '../training/preprocess/preprocess.ts';
import { buildBackbone, preprocessFor, strategyOptions } from '../training/trainer/model.ts';
import { tfToTorch } from '../training/weights/layout.ts';
import { loadWeights } from '../training/weights/load-weights.ts';
import { SafetensorsFile, type TensorToWrite, writeSafetensors } from '../weights/safetensors.ts';

/** Families train.py reproduces; the rest are refused at export, not discovered on the cluster. */
const SUPPORTED_ARCHS = ['resnet18', 'resnet34', 'resnet50', 'vit_tiny_patch16_224', 'vit_small_patch16_224', 'vit_base_patch16_224'];
const SUPPORTED_STRATEGIES = ['full', 'top', 'linear', 'gradual', 'adapter', 'lora'];

/** Which parameters train and which BatchNorm layers update their statistics, per epoch: the app's ParamSet rules. */
export function trainingSchedule(backbone: Backbone, config: RunConfig) {
  const strategy = createStrategy(config.strategy, backbone, strategyOptions(config));
  const groups = parameterGroups(backbone);
  const schedule = Array.from({ length: config.epochs }, (_, epoch) => {
    const trainable = strategy.trainableGroups(epoch);
    const partial = strategy.partialAt?.(epoch);
    const trainParams = groups.filter((g) => trainable.includes(g.name)).flatMap((g) => g.params.filter((p) => paramTrains(strategy, g.name, p, epoch)));
    return { epoch: epoch + 1, trainableGroups: backbone.groups.filter((g) => trainable.includes(g)), bnTrainGroups: trainable.filter((g) => !partial?.has(g)), trainParams };
  });
  // Extension tensors (LoRA) train in every epoch, in their own group at the head's rate, as ParamSet does.
  const ext = strategy.extension;
  const extNames = [...(ext?.variables.keys() ?? [])];
  for (const s of schedule) s.trainParams.push(...extNames);
  const ever = new Set(schedule.flatMap((s) => s.trainParams));
  const paramGroups: Record<string, string> = {};
  const noDecay: string[] = [];
  for (const g of groups) {
    for (const p of g.params.filter((n) => ever.has(n))) {
      paramGroups[p] = g.name;
      if (/(^|\.)bias$/.test(p) || backbone.noWeightDecay(p)) noDecay.push(p);
    }
  }
  for (const n of extNames) paramGroups[n] = ext!.group;
  const used = new Set(Object.values(paramGroups));
  const all = { ...groupLearningRates(backbone.groups, config.lr, config.bodyLr, config.layerDecay), ...(ext ? { [ext.group]: config.lr } : {}) };
  const learningRates = Object.fromEntries(Object.entries(all).filter(([g]) => used.has(g)));
  const lora = ext?.kind === 'lora' ? { rank: (ext as unknown as { rank: number }).rank, scale: (ext as unknown as { scale: number }).scale } : null;
  return { schedule, paramGroups, noDecay, learningRates, lora, adapters: ext?.kind === 'adapter' ? adapterSites(ext) : null, aux: null as JobAux | null, extension: ext };
}

/** The adapters' sites and widths, read off their down projections ([channels, bottleneck]). */
function adapterSites(ext: Extension): JobAdapters {
  const sites: JobAdapters['sites'] = {};
  for (const [name, v] of ext.variables) {
    const site = /^adapters\.(.+)\.down\.weight$/.exec(name)?.[1];
    if (site) sites[site] = v.shape as [number, number];
  }
  // strategyOptions sets no activation, so createAdapters uses its default, ReLU.
  return { activation: 'relu', sites };
}

/** A backbone and its extension under timm's names and layouts: the run's starting weights (initial.safetensors), or a test's. */
export async function writeJobWeights(backbone: Backbone, extension: Extension | null, file: string, aux: AuxHead | null = null): Promise<void> {
  const tensors: TensorToWrite[] = [];
  for (const [name, v] of backbone.variables) {
    const t = tfToTorch(name, { shape: v.shape, data: (await v.data()) as Float32Array });
    tensors.push({ name, dtype: 'F32', shape: t.shape, data: t.data });
  }
  // LoRA's A [dim, rank] and B [rank, dim], the adapters' down [c, r] and up [r, c] keep the app's layout and names (x A B): train.py uses them as they are.
  for (const [name, v] of [...(extension?.variables ?? []), ...auxVariables(aux)]) tensors.push({ name, dtype: 'F32', shape: v.shape, data: (await v.data()) as Float32Array });
  await writeSafetensors(file, tensors, { format: 'pt', labeltune: 'job initial weights' });
}

/** The auxiliary task as the trainer configures it (session.ts). */
function auxTaskOf(aux: NonNullable<RunConfig['aux']>): JobAux {
  return { numClasses: aux.classes.length, multiLabel: aux.multiLabel, schedule: aux.schedule, alpha: aux.alpha };
}

function auxVariables(aux: AuxHead | null): [string, tf.Variable][] {
  return Object.values(aux?.groups() ?? {}).flatMap((vars) => [...vars]);
}

/** The auxiliary head (and learned task weights) train in every epoch, each group at the head's rate, without decay on biases and log-variances (ParamSet). */
function addAuxTask(sched: Omit<JobModelSpec, 'files' | 'augment'>, aux: AuxHead, lr: number): void {
  for (const [group, vars] of Object.entries(aux.groups())) {
    sched.learningRates[group] = lr;
    for (const name of vars.keys()) {
      sched.paramGroups[name] = group;
      if (/(^|\.)(bias|log_vars)$/.test(name)) sched.noDecay.push(name);
      for (const s of sched.schedule) s.trainParams.push(name);
    }
  }
  sched.aux = aux.config as JobAux;
}

function checkSupported(config: RunConfig): void {
  if (!SUPPORTED_ARCHS.includes(config.backbone)) {
    throw validation(`train.py reproduces ${SUPPORTED_ARCHS.join(', ')} so far; ${config.backbone} cannot be sent as a job yet. Train it in the app, or pick one of those.`);
  }
  if (!SUPPORTED_STRATEGIES.includes(config.strategy)) {
    throw validation(`train.py reproduces the strategies ${SUPPORTED_STRATEGIES.join(', ')} so far; ${config.strategy} cannot be sent as a job yet. Pass --strategy with one of those.`);
  }
}

/**
 * The model side of a job folder: initial.safetensors (the run's starting weights, timm's layout),
 * preprocessing.json, and the schedule, groups and rates config.json carries. The engine writes the
 * rest (manifest, config, runner, README) and owns the folder.
 */
export async function jobExport(args: HostArgs<'jobExport'>): Promise<HostResult<'jobExport'>> {
  const { config, dir } = args;
  checkSupported(config);
  const pre = preprocessFor(config);
  const preprocessing = { ...describePreprocessing(pre), classes: config.classes, multiLabel: config.multiLabel, modelInput: { layout: 'NCHW', note: 'train.py transposes the NHWC output of the steps to NCHW' } };
  writeFileSync(join(dir, 'preprocessing.json'), `${JSON.stringify(preprocessing, null, 2)}\n`);
  const backbone = await buildBackbone(config);
  try {
    const { extension, ...sched } = trainingSchedule(backbone, config);
    const aux = config.aux ? new AuxHead(auxTaskOf(config.aux), backbone.featureDim, config.seed) : null;
    try {
      await writeJobWeights(backbone, extension, join(dir, 'initial.safetensors'), aux);
      if (aux) addAuxTask(sched, aux, config.lr);
    } finally {
      extension?.dispose();
      aux?.dispose();
    }
    const augment = config.augment ? { ...DEFAULT_AUGMENT, horizontalFlip: config.horizontalFlip } : null;
    return { files: ['initial.safetensors', 'preprocessing.json'], augment, ...sched };
  } finally {
    backbone.dispose();
  }
}

interface Trained {
  backbone: Backbone;
  /** LoRA's tensors (the app's names and layout), for the checkpoint's ext.* entries. */
  extension: Extension | null;
  /** The auxiliary head and task weights as trained, for the checkpoint's aux.* entries. */
  aux: { name: string; shape: number[]; data: Float32Array }[];
}

/** The auxiliary task's tensors in a job's weights (aux_head.*, multitask.log_vars). */
const AUX_TENSOR = /^(aux_head|multitask)\./;

/** Load a timm-named safetensors file from train.py into a fresh backbone (+ LoRA); the trained head must fit. */
async function loadTrained(config: RunConfig, file: string): Promise<Trained> {
  if (!existsSync(file)) throw validation(`${file} is missing: the job has not finished an epoch, or the folder is incomplete.`);
  const backbone = createBackbone(config.backbone, { numClasses: config.classes.length, imageSize: config.imageSize, seed: config.seed });
  const extension = createStrategy(config.strategy, backbone, strategyOptions(config)).extension;
  const f = await SafetensorsFile.open(file);
  try {
    const report = await loadWeights(backbone, f, { strict: false });
    const extNames = new Set(extension?.variables.keys() ?? []);
    const unexpected = report.unexpected.filter((n) => !extNames.has(n) && !(config.aux && AUX_TENSOR.test(n)));
    if (report.missing.length || unexpected.length || report.mismatched.length || report.adapted.length) {
      const problems = [...report.missing.map((n) => `missing ${n}`), ...unexpected.map((n) => `unexpected ${n}`), ...report.mismatched.map((m) => `${m.name} has shape [${m.got}], expected [${m.expected}]`)];
      throw validation(`${file} does not fit ${config.backbone}: ${problems.slice(0, 5).join('; ')}.`);
    }
    if (report.headReplaced) throw validation(`${file}: the classifier does not fit the job's ${config.classes.length} classes.`);
    for (const [name, v] of extension?.variables ?? []) {
      if (!f.tensors.has(name)) throw validation(`${file} has no ${name}: a ${config.strategy} job's checkpoint carries its tensors.`);
      const info = f.info(name);
      if (info.shape.join('x') !== v.shape.join('x')) throw validation(`${file}: ${name} has shape [${info.shape}], expected [${v.shape}].`);
      v.assign(tf.tensor(await f.read(name), v.shape));
    }
    const aux = [];
    for (const name of config.aux ? [...f.tensors.keys()].filter((n) => AUX_TENSOR.test(n)) : []) aux.push({ name, shape: f.info(name).shape, data: (await f.read(name)) as Float32Array });
    return { backbone, extension, aux };
  } catch (e) {
    backbone.dispose();
    extension?.dispose();
    throw e instanceof EngineError ? e : validation(`${file}: ${(e as Error).message}`);
  } finally {
    await f.close();
  }
}

/** A checkpoint in the app's own format (model.* in TF.js layout + metadata), which Evaluate and Export load. */
async function writeCheckpoint({ backbone, extension, aux }: Trained, config: RunConfig, dir: string, epoch: number, loop: JobLoopState): Promise<string> {
  const name = checkpointFileName(epoch - 1);
  const tensors: TensorToWrite[] = [];
  for (const [n, v] of backbone.variables) tensors.push({ name: `model.${n}`, dtype: 'F32', shape: v.shape, data: (await v.data()) as Float32Array });
  for (const [n, v] of extension?.variables ?? []) tensors.push({ name: `ext.${n}`, dtype: 'F32', shape: v.shape, data: (await v.data()) as Float32Array });
  for (const a of aux) tensors.push({ name: `aux.${a.name}`, dtype: 'F32', shape: a.shape, data: a.data });
  const meta: CheckpointMeta = { format: CHECKPOINT_FORMAT, arch: backbone.arch, strategy: config.strategy, imageSize: config.imageSize, epoch: epoch - 1, seed: config.seed, loop, optimizerSteps: {} };
  await writeSafetensors(join(dir, name), tensors, { labeltune: JSON.stringify(meta) });
  return name;
}

function dispose(t: Trained): void {
  t.backbone.dispose();
  t.extension?.dispose();
}

/**
 * Check train.py's best and last weights against the job's model and write them as the app's
 * checkpoints into `outDir`; the engine moves that folder into place and records the run.
 */
export async function jobImport(args: HostArgs<'jobImport'>): Promise<HostResult<'jobImport'>> {
  const { config } = args;
  const best = await loadTrained(config, args.best);
  try {
    const last = await loadTrained(config, args.last);
    try {
      const strategy = createStrategy(config.strategy, best.backbone, strategyOptions(config));
      const params = trainableSummary(best.backbone, strategy, config.epochs);
      strategy.extension?.dispose();
      mkdirSync(args.outDir, { recursive: true });
      const bestFile = await writeCheckpoint(best, config, args.outDir, args.bestEpoch, args.loop);
      const lastFile = args.lastEpoch === args.bestEpoch ? bestFile : await writeCheckpoint(last, config, args.outDir, args.lastEpoch, args.loop);
      return { bestFile, lastFile, trainableParams: params.trainableParams, totalParams: params.totalParams };
    } finally {
      dispose(last);
    }
  } finally {
    dispose(best);
  }
}
