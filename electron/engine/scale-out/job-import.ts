import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { EngineError, validation } from '../../../shared/contract/errors.ts';
import type { RunConfig, RunMetricRow, RunSummary } from '../../../shared/domain/run.ts';
import * as tf from '@tensorflow/tfjs';
import type { Extension } from '../../training/finetune/extensions.ts';
import { createBackbone } from '../../training/backbones/index.ts';
import type { Backbone } from '../../training/backbones/types.ts';
import { CHECKPOINT_FORMAT, type CheckpointMeta, checkpointFileName } from '../../training/finetune/checkpoint.ts';
import { createStrategy, trainableSummary } from '../../training/finetune/strategies.ts';
import { strategyOptions } from '../../training/trainer/model.ts';
import { loadWeights } from '../../training/weights/load-weights.ts';
import { SafetensorsFile, writeSafetensors } from '../../training/weights/safetensors.ts';
import { type Database, now } from '../db/database.ts';
import { insertMetrics, insertRun, recordCheckpoint, updateRun } from '../runs/store.ts';
import { JOB_FORMAT } from './job-export.ts';

/** What train.py writes to output/result.json. */
interface JobResult {
  engine: string;
  torch: string;
  worldSize: number;
  backend: string;
  devices: string;
  wallSeconds: number;
  epochs: number;
  bestEpoch: number | null;
  stopReason: string | null;
  completed: boolean;
}

interface JobMetric {
  epoch: number;
  trainLoss: number;
  valLoss: number;
  valAccuracy: number;
  valAuc: number | null;
  learningRates: Record<string, number>;
  imagesPerSec: number;
  trainableGroups: string[];
  isBest: boolean;
  worldSize: number;
}

function readJson<T>(file: string, what: string): T {
  if (!existsSync(file)) throw validation(`${file} is missing: ${what}`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (e) {
    throw validation(`${file} is not valid JSON (${(e as Error).message}): ${what}`);
  }
}

function readMetrics(file: string): JobMetric[] {
  if (!existsSync(file)) throw validation(`${file} is missing: train.py writes it after the first epoch. Has the job run?`);
  const rows = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l, i) => {
    try {
      return JSON.parse(l) as JobMetric;
    } catch {
      throw validation(`${file}, line ${i + 1}: not a JSON line. The file is damaged; run the job again to rewrite it.`);
    }
  });
  rows.forEach((r, i) => {
    if (r.epoch !== i + 1 || !Number.isFinite(r.valLoss) || !Number.isFinite(r.valAccuracy)) {
      throw validation(`${file}, line ${i + 1}: expected epoch ${i + 1} with finite valLoss and valAccuracy.`);
    }
  });
  return rows;
}

interface Trained {
  backbone: Backbone;
  /** LoRA's tensors (the app's names and layout), for the checkpoint's ext.* entries. */
  extension: Extension | null;
}

/** Load a timm-named safetensors file from train.py into a fresh backbone (+ LoRA); the trained head must fit. */
async function loadTrained(config: RunConfig, file: string): Promise<Trained> {
  if (!existsSync(file)) throw validation(`${file} is missing: the job has not finished an epoch, or the folder is incomplete.`);
  const backbone = createBackbone(config.backbone, { numClasses: config.classes.length, imageSize: config.imageSize, seed: config.seed });
  const extension = createStrategy(config.strategy, backbone, strategyOptions(config)).extension;
  const f = await SafetensorsFile.open(file);
  try {
    const report = await loadWeights(backbone, f, { strict: false });
    const extNames = new Set(extension?.variables.keys() ?? []);
    const unexpected = report.unexpected.filter((n) => !extNames.has(n));
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
    return { backbone, extension };
  } catch (e) {
    backbone.dispose();
    extension?.dispose();
    throw e instanceof EngineError ? e : validation(`${file}: ${(e as Error).message}`);
  } finally {
    await f.close();
  }
}

/** A checkpoint in the app's own format (model.* in TF.js layout + metadata), which Evaluate and Export load. */
async function writeCheckpoint({ backbone, extension }: Trained, config: RunConfig, dir: string, epoch: number, loop: CheckpointMeta['loop']): Promise<string> {
  const file = join(dir, checkpointFileName(epoch - 1));
  const tensors = [...backbone.variables].map(([n, v]) => ({ name: `model.${n}`, dtype: 'F32' as const, shape: v.shape, data: v.dataSync() as Float32Array }));
  for (const [n, v] of extension?.variables ?? []) tensors.push({ name: `ext.${n}`, dtype: 'F32', shape: v.shape, data: v.dataSync() as Float32Array });
  const meta: CheckpointMeta = { format: CHECKPOINT_FORMAT, arch: backbone.arch, strategy: config.strategy, imageSize: config.imageSize, epoch: epoch - 1, seed: config.seed, loop, optimizerSteps: {} };
  await writeSafetensors(file, tensors, { labeltune: JSON.stringify(meta) });
  return file;
}

export interface JobImportResult {
  runId: number;
}

/**
 * Register a finished job folder as a completed run: config, per-epoch metrics, best and last
 * checkpoints converted to the app's checkpoint format, trained elsewhere (engine, world size,
 * devices, wall time in backend_report). Everything is read and checked before anything is
 * written; the database rows go in one transaction, and the files are removed again if it fails.
 */
export async function importJob(db: Database, projectDir: string, dir: string): Promise<JobImportResult> {
  const job = readJson<{ format: string; run: RunConfig }>(join(dir, 'config.json'), 'is this a folder written by "labeltune job export"?');
  if (job.format !== JOB_FORMAT || !job.run?.backbone) throw validation(`${join(dir, 'config.json')} is not a ${JOB_FORMAT} job file.`);
  const config = job.run;
  const result = readJson<JobResult>(join(dir, 'output', 'result.json'), 'train.py writes it when the job ends. Run the job to the end (re-running resumes it).');
  if (!result.completed) throw validation(`${join(dir, 'output', 'result.json')}: the job did not complete (${result.stopReason ?? 'no reason given'}). Fix that and run it again.`);
  const metrics = readMetrics(join(dir, 'output', 'metrics.jsonl'));
  if (metrics.length !== result.epochs || result.bestEpoch === null) {
    throw validation(`${join(dir, 'output', 'metrics.jsonl')} has ${metrics.length} epochs but result.json reports ${result.epochs} (best ${result.bestEpoch}): the folder is partial. Run the job again.`);
  }
  const ckdir = join(dir, 'output', 'checkpoints');
  const best = await loadTrained(config, join(ckdir, 'best.safetensors'));
  const last = await loadTrained(config, join(ckdir, 'last.safetensors')).catch((e) => {
    dispose(best);
    throw e;
  });
  const strategy = createStrategy(config.strategy, best.backbone, strategyOptions(config));
  const params = trainableSummary(best.backbone, strategy, config.epochs);
  strategy.extension?.dispose();
  const bestRow = metrics[result.bestEpoch - 1];
  const runId = insertRun(db, `${config.backbone} ${config.strategy} (PyTorch, ${result.worldSize} ranks)`, config, { trainable: params.trainableParams, total: params.totalParams });
  const runDir = join(projectDir, 'checkpoints', String(runId));
  try {
    mkdirSync(runDir, { recursive: true });
    const loop = { epoch: result.epochs, bestLoss: bestRow.valLoss, bestEpoch: result.bestEpoch - 1, badEpochs: result.epochs - result.bestEpoch };
    const bestFile = await writeCheckpoint(best, config, runDir, result.bestEpoch, loop);
    const lastFile = result.epochs === result.bestEpoch ? bestFile : await writeCheckpoint(last, config, runDir, result.epochs, loop);
    const summary: RunSummary = {
      epochs: result.epochs,
      stoppedEarly: result.epochs < config.epochs,
      stopReason: result.stopReason,
      bestEpoch: result.bestEpoch,
      metricsEpoch: result.bestEpoch,
      valLoss: bestRow.valLoss,
      valAccuracy: bestRow.valAccuracy,
      valAuc: bestRow.valAuc,
      warnings: [],
    };
    db.transaction(() => {
      for (const m of metrics) insertMetrics(db, runId, toRow(m));
      recordCheckpoint(db, runId, { epoch: result.bestEpoch!, path: relative(projectDir, bestFile), metric: bestRow.valLoss, isBest: true });
      if (lastFile !== bestFile) recordCheckpoint(db, runId, { epoch: result.epochs, path: relative(projectDir, lastFile), metric: metrics.at(-1)!.valLoss, isBest: false });
      updateRun(db, runId, {
        status: 'completed',
        backend: 'pytorch',
        backend_report: { trainedElsewhere: true, engine: result.engine, torch: result.torch, worldSize: result.worldSize, distributedBackend: result.backend, devices: result.devices, wallSeconds: result.wallSeconds, jobFolder: dir },
        best_epoch: result.bestEpoch,
        best_metric: bestRow.valLoss,
        summary,
        started_at: now(),
        finished_at: now(),
      });
    })();
  } catch (e) {
    db.prepare('DELETE FROM run_metrics WHERE run_id = ?').run(runId);
    db.prepare('DELETE FROM checkpoints WHERE run_id = ?').run(runId);
    db.prepare('DELETE FROM runs WHERE id = ?').run(runId);
    rmSync(runDir, { recursive: true, force: true });
    throw e;
  } finally {
    dispose(best);
    dispose(last);
  }
  return { runId };
}

function dispose(t: Trained): void {
  t.backbone.dispose();
  t.extension?.dispose();
}

function toRow(m: JobMetric): RunMetricRow {
  return {
    epoch: m.epoch,
    trainLoss: m.trainLoss,
    valLoss: m.valLoss,
    valAccuracy: m.valAccuracy,
    valAuc: m.valAuc ?? null,
    alpha: null,
    imagesPerSec: m.imagesPerSec,
    learningRates: m.learningRates,
    extra: { backend: 'pytorch', trainableGroups: m.trainableGroups, worldSize: m.worldSize },
    at: now(),
  };
}
