import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { validation } from '../../../shared/contract/errors.ts';
import { SafetensorsFile, type TensorToWrite, writeSafetensors } from '../../weights/safetensors.ts';
import type { FineTuner, LoopState } from './loop.ts';

/**
 * Checkpoints are safetensors files: every variable of the run under a prefix (`model.` backbone
 * incl. BatchNorm buffers, `ext.` adapters/LoRA, `aux.` auxiliary head and multi-task weights,
 * `optim.<group>.m.` / `optim.<group>.v.` Adam moments) plus one metadata entry `labeltune`
 * holding CheckpointMeta as JSON. Written to a temporary name, synced, then renamed, so a crash
 * never leaves a half-written checkpoint under the real name.
 */
export const CHECKPOINT_FORMAT = 'labeltune-checkpoint/1';

export interface CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  arch: string;
  strategy: string;
  imageSize: number;
  /** The epoch (0-based) this checkpoint ends; training resumes at epoch + 1. */
  epoch: number;
  seed: number;
  loop: LoopState;
  /** Adam step count per optimizer group (bias correction). */
  optimizerSteps: Record<string, number>;
}

/** Every variable a resume needs, by checkpoint name. */
export function checkpointVariables(t: FineTuner): Map<string, tf.Variable> {
  const out = new Map<string, tf.Variable>();
  for (const [n, v] of t.backbone.variables) out.set(`model.${n}`, v);
  for (const [n, v] of t.strategy.extension?.variables ?? []) out.set(`ext.${n}`, v);
  for (const vars of Object.values(t.aux?.groups() ?? {})) for (const [n, v] of vars) out.set(`aux.${n}`, v);
  for (const [group, opt] of t.params.optimizers) for (const [n, v] of opt.stateTensors()) out.set(`optim.${group}.${n}`, v);
  return out;
}

export function checkpointFileName(epoch: number): string {
  return `epoch-${String(epoch + 1).padStart(3, '0')}.safetensors`;
}

/** Save the state after `epoch` into `dir`; returns the file's path. */
export async function saveCheckpoint(t: FineTuner, dir: string, epoch: number): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, checkpointFileName(epoch));
  const tmp = join(dir, `.${basename(file)}.tmp`);
  const tensors: TensorToWrite[] = [];
  for (const [name, v] of checkpointVariables(t)) tensors.push({ name, dtype: 'F32', shape: v.shape, data: (await v.data()) as Float32Array });
  const meta: CheckpointMeta = {
    format: CHECKPOINT_FORMAT,
    arch: t.backbone.arch,
    strategy: t.strategy.name,
    imageSize: t.backbone.imageSize,
    epoch,
    seed: t.config.seed,
    loop: t.state,
    optimizerSteps: Object.fromEntries([...t.params.optimizers].map(([g, o]) => [g, o.step])),
  };
  try {
    await writeSafetensors(tmp, tensors, { labeltune: JSON.stringify(meta) });
    const handle = await open(tmp, 'r+');
    await handle.sync();
    await handle.close();
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return file;
}

/** Restore a checkpoint into a tuner built with the same backbone, strategy and config. */
export async function loadCheckpoint(t: FineTuner, file: string): Promise<CheckpointMeta> {
  const f = await SafetensorsFile.open(file);
  try {
    const raw = f.metadata.labeltune;
    const meta = raw ? (JSON.parse(raw) as CheckpointMeta) : null;
    if (!meta || meta.format !== CHECKPOINT_FORMAT) throw validation(`${file} is not a LabelTune training checkpoint.`);
    if (meta.arch !== t.backbone.arch || meta.strategy !== t.strategy.name) {
      throw validation(`${file} belongs to a ${meta.arch} run with strategy ${meta.strategy}, not ${t.backbone.arch} / ${t.strategy.name}.`);
    }
    for (const [name, v] of checkpointVariables(t)) {
      const info = f.info(name);
      if (info.shape.join('x') !== v.shape.join('x')) {
        throw validation(`${file}: ${name} has shape [${info.shape}] but the model expects [${v.shape}].`);
      }
      const value = tf.tensor(await f.read(name), v.shape);
      v.assign(value);
      value.dispose();
    }
    for (const [g, o] of t.params.optimizers) o.step = meta.optimizerSteps[g] ?? 0;
    t.state = { ...meta.loop };
    return meta;
  } finally {
    await f.close();
  }
}

/** The folder of a run's checkpoints inside a project. */
export function runCheckpointDir(projectDir: string, runId: number): string {
  return join(projectDir, 'checkpoints', String(runId));
}
