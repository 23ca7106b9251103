import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { validation } from '../../../shared/contract/errors.ts';
import type { RunConfig, RunPlan } from '../../../shared/domain/run.ts';
import { onHost } from '../host/host-job.ts';
import type { Database } from '../db/database.ts';
import { loadRunData } from '../runs/data.ts';
import { RUNNER_FILES, jobRunnerDir } from './script.ts';
import { jobReadme } from './readme.ts';

export const JOB_FORMAT = 'labeltune-job/1';

export interface JobExportResult {
  dir: string;
  files: string[];
  trainImages: number;
  valImages: number;
  config: RunConfig;
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
  out = resolve(out);
  emptyTarget(out);
  const data = loadRunData(db, config.aux !== null);
  const partial = join(dirname(out), `.${basename(out)}.partial`);
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
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
        lines.push(JSON.stringify({ id: item.id, split, file, frame: item.frame, labels: item.classes, names: item.classes.map((c) => data.classes[c]), group: groupOf(db, item.id), ...(config.aux ? { aux: item.aux } : {}) }));
      }
    }
    writeFileSync(join(partial, 'manifest.jsonl'), `${lines.join('\n')}\n`);
    // The model host checks that train.py reproduces the run, and writes initial.safetensors and preprocessing.json.
    const sched = await onHost('jobExport', { config, dir: partial }, { what: 'job export' });
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
      augment: sched.augment,
      initialWeights: 'initial.safetensors',
      /** LoRA on q and v (rank, alpha / rank); null for the other strategies. */
      lora: sched.lora,
      /** Bottleneck adapters after each ResNet stage / ViT block (sites, widths, activation); null for the other strategies. */
      adapters: sched.adapters,
      /** The auxiliary task (classes, multi-label, α schedule and α0); the manifest's `aux` holds each image's auxiliary labels. */
      aux: sched.aux,
      /** Peak LR per group from the plan (the same numbers `labeltune train` prints). */
      learningRates: { ...sched.learningRates, ...pick(plan.learningRates, Object.keys(sched.learningRates)) },
      paramGroups: sched.paramGroups,
      noDecay: sched.noDecay,
      schedule: sched.schedule,
      plan: { strategy: plan.strategy, reason: plan.reason, trainableParams: plan.trainableParams, totalParams: plan.totalParams, trainImages: plan.trainImages, valImages: plan.valImages },
      run: config,
    };
    writeFileSync(join(partial, 'config.json'), `${JSON.stringify(job, null, 2)}\n`);
    const runner = jobRunnerDir();
    for (const f of RUNNER_FILES) copyTree(join(runner, f), join(partial, f));
    writeFileSync(join(partial, 'README.md'), jobReadme({ config, plan, copy: opts.copy }));
    mkdirSync(dirname(out), { recursive: true });
    if (existsSync(out)) rmSync(out, { recursive: true }); // empty, checked above
    renameSync(partial, out);
  } catch (e) {
    rmSync(partial, { recursive: true, force: true });
    throw e;
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
