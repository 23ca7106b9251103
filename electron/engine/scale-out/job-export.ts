import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { validation } from '../../../shared/contract/errors.ts';
import type { RunConfig, RunPlan } from '../../../shared/domain/run.ts';
import type { Backbone } from '../../training/backbones/types.ts';
import { parameterGroups } from '../../training/finetune/groups.ts';
import { groupLearningRates } from '../../training/finetune/lr.ts';
import { DEFAULT_AUGMENT } from '../../training/finetune/augment.ts';
import type { Extension } from '../../training/finetune/extensions.ts';
import { createStrategy, paramTrains } from '../../training/finetune/strategies.ts';
import { describePreprocessing } from '../../training/preprocess/preprocess.ts';
import { buildBackbone, isTestBackbone, preprocessFor, strategyOptions } from '../../training/trainer/model.ts';
import { tfToTorch } from '../../training/weights/layout.ts';
import { writeSafetensors } from '../../training/weights/safetensors.ts';
import type { Database } from '../db/database.ts';
import { loadRunData } from '../runs/data.ts';
import { RUNNER_FILES, jobRunnerDir } from './script.ts';
import { jobReadme } from './readme.ts';

export const JOB_FORMAT = 'labeltune-job/1';
/** Families train.py reproduces; the rest are refused at export, not discovered on the cluster. */
const SUPPORTED_ARCHS = ['resnet18', 'resnet34', 'resnet50', 'vit_tiny_patch16_224', 'vit_small_patch16_224', 'vit_base_patch16_224'];
const SUPPORTED_STRATEGIES = ['full', 'top', 'linear', 'gradual', 'lora'];

export interface JobExportResult {
  dir: string;
  files: string[];
  trainImages: number;
  valImages: number;
  config: RunConfig;
}

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
  return { schedule, paramGroups, noDecay, learningRates, lora, extension: ext };
}

/** The backbone as the run would start it (weights loaded, head seeded), under timm's names and layouts. */
async function writeInitialWeights(backbone: Backbone, extension: Extension | null, file: string): Promise<void> {
  const tensors = [...backbone.variables].map(([name, v]) => {
    const t = tfToTorch(name, { shape: v.shape, data: v.dataSync() as Float32Array });
    return { name, dtype: 'F32' as const, shape: t.shape, data: t.data };
  });
  // LoRA's A [dim, rank] and B [rank, dim] keep the app's layout and names (x A B): train.py uses them as they are.
  for (const [name, v] of extension?.variables ?? []) tensors.push({ name, dtype: 'F32', shape: v.shape, data: v.dataSync() as Float32Array });
  await writeSafetensors(file, tensors, { format: 'pt', labeltune: 'job initial weights' });
}

function checkSupported(config: RunConfig): void {
  if (isTestBackbone(config.backbone) || !SUPPORTED_ARCHS.includes(config.backbone)) {
    throw validation(`train.py reproduces ${SUPPORTED_ARCHS.join(', ')} so far; ${config.backbone} cannot be sent as a job yet. Train it in the app, or pick one of those.`);
  }
  if (!SUPPORTED_STRATEGIES.includes(config.strategy)) {
    throw validation(`train.py reproduces the strategies ${SUPPORTED_STRATEGIES.join(', ')} so far; ${config.strategy} cannot be sent as a job yet. Pass --strategy with one of those.`);
  }
  if (config.aux) throw validation('Jobs do not carry an auxiliary task yet: export the job without --aux.');
}

function emptyTarget(out: string): void {
  if (existsSync(out) && readdirSync(out).length > 0) {
    throw validation(`${out} is not empty. Give --out a new or empty folder: a job folder is written whole, never merged into another.`);
  }
}

/**
 * Write a self-contained job folder for `plan`: manifest.jsonl, preprocessing.json, config.json,
 * initial.safetensors, train.py with labeltune_job/, README.md. Written under a temporary name and renamed, so a failed
 * export leaves no half job.
 */
export async function exportJob(db: Database, projectDir: string, plan: RunPlan, out: string, opts: { copy: boolean }): Promise<JobExportResult> {
  const config = plan.config;
  checkSupported(config);
  emptyTarget(out);
  const data = loadRunData(db, false);
  const partial = join(dirname(out), `.${basename(out)}.partial`);
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const backbone = await buildBackbone(config);
  try {
    const lines: string[] = [];
    for (const split of ['train', 'val'] as const) {
      for (const item of data.manifest[split]) {
        const src = isAbsolute(item.path) ? item.path : resolve(projectDir, item.path);
        let file = src;
        if (opts.copy) {
          file = `images/${item.id}${extname(src)}`;
          mkdirSync(join(partial, 'images'), { recursive: true });
          copyFileSync(src, join(partial, file));
        }
        lines.push(JSON.stringify({ id: item.id, split, file, frame: item.frame, labels: item.classes, names: item.classes.map((c) => data.classes[c]), group: groupOf(db, item.id) }));
      }
    }
    writeFileSync(join(partial, 'manifest.jsonl'), `${lines.join('\n')}\n`);
    const pre = preprocessFor(config);
    const preprocessing = { ...describePreprocessing(pre), classes: config.classes, multiLabel: config.multiLabel, modelInput: { layout: 'NCHW', note: 'train.py transposes the NHWC output of the steps to NCHW' } };
    writeFileSync(join(partial, 'preprocessing.json'), `${JSON.stringify(preprocessing, null, 2)}\n`);
    const sched = trainingSchedule(backbone, config);
    const job = {
      format: JOB_FORMAT,
      arch: config.backbone,
      classes: config.classes,
      multiLabel: config.multiLabel,
      imageSize: config.imageSize,
      epochs: config.epochs,
      batchSize: config.batchSize,
      seed: config.seed,
      warmupFraction: config.warmupFraction,
      weightDecay: config.weightDecay,
      labelSmoothing: config.labelSmoothing,
      classWeights: config.classWeights,
      patience: config.patience,
      augment: config.augment ? { ...DEFAULT_AUGMENT, horizontalFlip: config.horizontalFlip } : null,
      initialWeights: 'initial.safetensors',
      /** LoRA on q and v (rank, alpha / rank); null for the other strategies. */
      lora: sched.lora,
      /** Peak LR per group from the plan (the same numbers `labeltune train` prints). */
      learningRates: { ...sched.learningRates, ...pick(plan.learningRates, Object.keys(sched.learningRates)) },
      paramGroups: sched.paramGroups,
      noDecay: sched.noDecay,
      schedule: sched.schedule,
      plan: { strategy: plan.strategy, reason: plan.reason, trainableParams: plan.trainableParams, totalParams: plan.totalParams, trainImages: plan.trainImages, valImages: plan.valImages },
      run: config,
    };
    writeFileSync(join(partial, 'config.json'), `${JSON.stringify(job, null, 2)}\n`);
    await writeInitialWeights(backbone, sched.extension, join(partial, 'initial.safetensors'));
    sched.extension?.dispose();
    const runner = jobRunnerDir();
    for (const f of RUNNER_FILES) copyTree(join(runner, f), join(partial, f));
    writeFileSync(join(partial, 'README.md'), jobReadme({ config, plan, copy: opts.copy }));
    mkdirSync(dirname(out), { recursive: true });
    if (existsSync(out)) rmSync(out, { recursive: true }); // empty, checked above
    renameSync(partial, out);
  } catch (e) {
    rmSync(partial, { recursive: true, force: true });
    throw e;
  } finally {
    backbone.dispose();
  }
  return { dir: out, files: readdirSync(out).sort(), trainImages: data.manifest.train.length, valImages: data.manifest.val.length, config };
}

/** Copy a file or folder with reads and writes only: inside the packaged app.asar, Electron patches those, not fs.cp. */
function copyTree(src: string, dest: string): void {
  if (!statSync(src).isDirectory()) {
    writeFileSync(dest, readFileSync(src));
    return;
  }
  mkdirSync(dest, { recursive: true });
  for (const name of readdirSync(src)) if (name !== '__pycache__') copyTree(join(src, name), join(dest, name));
}

function pick(rates: Record<string, number>, keys: string[]): Record<string, number> {
  return Object.fromEntries(keys.filter((k) => k in rates).map((k) => [k, rates[k]]));
}

/** The image's group (patient, study) when the project records one; null otherwise. */
function groupOf(db: Database, imageId: number): string | null {
  const row = db.prepare('SELECT group_id FROM images WHERE id = ?').get(imageId) as { group_id: string | null } | undefined;
  return row?.group_id ?? null;
}
