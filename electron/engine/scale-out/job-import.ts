import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { validation } from '../../../shared/contract/errors.ts';
import type { RunConfig, RunMetricRow, RunSummary } from '../../../shared/domain/run.ts';
import { type Database, now } from '../db/database.ts';
import { onHost } from '../host/host-job.ts';
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
  /** α(t) of the auxiliary task; absent or null without one. */
  alpha?: number | null;
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

export interface JobImportResult {
  runId: number;
}

/**
 * Register a finished job folder as a completed run: config, per-epoch metrics, best and last
 * checkpoints converted to the app's checkpoint format, trained elsewhere (engine, world size,
 * devices, wall time in backend_report). Everything is read and checked before anything is
 * written; the database rows go in one transaction, and the files are removed again if it fails.
 */
export async function importJob(db: Database, projectDir: string, jobDir: string): Promise<JobImportResult> {
  const dir = resolve(jobDir); // the model host reads the checkpoints from its own working folder
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
  const bestRow = metrics[result.bestEpoch - 1];
  // The model host checks train.py's weights against the job's model and writes the app's checkpoints
  // into a folder of their own; it becomes the run's checkpoint folder once the run has an id.
  const staging = join(projectDir, 'checkpoints', `.job-import-${process.pid}-${Date.now()}`);
  const loop = { epoch: result.epochs, bestLoss: bestRow.valLoss, bestEpoch: result.bestEpoch - 1, badEpochs: result.epochs - result.bestEpoch };
  const args = { config, best: join(ckdir, 'best.safetensors'), last: join(ckdir, 'last.safetensors'), bestEpoch: result.bestEpoch, lastEpoch: result.epochs, loop, outDir: staging };
  const converted = await onHost('jobImport', args, { what: 'job import' }).catch((e: unknown) => {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  });
  const runId = insertRun(db, `${config.backbone} ${config.strategy} (PyTorch, ${result.worldSize} ranks)`, config, { trainable: converted.trainableParams, total: converted.totalParams });
  const runDir = join(projectDir, 'checkpoints', String(runId));
  try {
    rmSync(runDir, { recursive: true, force: true }); // a folder left by a run id deleted before
    renameSync(staging, runDir);
    const bestFile = join(runDir, converted.bestFile);
    const lastFile = join(runDir, converted.lastFile);
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
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  return { runId };
}

function toRow(m: JobMetric): RunMetricRow {
  return {
    epoch: m.epoch,
    trainLoss: m.trainLoss,
    valLoss: m.valLoss,
    valAccuracy: m.valAccuracy,
    valAuc: m.valAuc ?? null,
    alpha: m.alpha ?? null,
    imagesPerSec: m.imagesPerSec,
    learningRates: m.learningRates,
    extra: { backend: 'pytorch', trainableGroups: m.trainableGroups, worldSize: m.worldSize },
    at: now(),
  };
}
