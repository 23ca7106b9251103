import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunProgress } from '../../shared/domain/run.ts';
import { fillSampleProject } from '../../electron/engine/runs/testing/sample-project.ts';
import { type TestEngine, createTestProject } from '../../electron/engine/testing/test-engine.ts';
import { recordFigures } from './figures.ts';

/**
 * kill -9 of the trainer at every checkpoint boundary (file written / recorded by the engine / old
 * files pruned) of epochs 1 and 2 of a 3-epoch run, through the trainer's crash hook made a real
 * SIGKILL by a preload; each killed run is resumed and must complete with every epoch, from the
 * epoch after its last recorded checkpoint, leaving only recorded checkpoint files.
 */
const POINTS = ['written', 'recorded', 'pruned'] as const;
const KILL_EPOCHS = [1, 2];
const EPOCHS = 3;
const PRELOAD = fileURLToPath(new URL('./sigkill-at-crash-hook.mjs', import.meta.url));
const tiny = { backbone: 'test-tiny-resnet', imageSize: 16, batchSize: 8, lr: 0.05, backend: 'cpu', seed: 7, strategy: 'linear', epochs: EPOCHS } as const;

let t: TestEngine;
const previousNodeOptions = process.env.NODE_OPTIONS;
beforeAll(async () => {
  t = await createTestProject('Trainer kills');
  await fillSampleProject(t.engine.ctx.project().db, t.projectDir, { perClass: 12, classes: ['normal', 'effusion', 'nodule'] });
  process.env.NODE_OPTIONS = `${previousNodeOptions ?? ''} --import ${JSON.stringify(PRELOAD)}`.trim(); // quoted: the checkout path may hold spaces
});
afterAll(async () => {
  if (previousNodeOptions === undefined) delete process.env.NODE_OPTIONS;
  else process.env.NODE_OPTIONS = previousNodeOptions;
  delete process.env.LABELTUNE_TRAINER_CRASH_AFTER_EPOCH;
  delete process.env.LABELTUNE_TRAINER_CRASH_POINT;
  await t?.dispose();
});

/** The epochs whose end a job reports, in order. */
function epochEnds(jobId: () => string | undefined): { epochs: number[]; off: () => void } {
  const epochs: number[] = [];
  const off = t.client.on('run.progress', (p: RunProgress) => {
    if (p.jobId === jobId() && p.phase === 'epoch-end' && p.metrics) epochs.push(p.metrics.epoch);
  });
  return { epochs, off };
}

const cases = KILL_EPOCHS.flatMap((epoch) => POINTS.map((point) => ({ epoch, point })));
const figures = { runs: 0, kills: 0, resumed: 0, unresumable: 0, epochsLost: 0 };
let started = 0;

describe('reliability: kill -9 of the trainer at each checkpoint boundary', () => {
  beforeAll(() => void (started = Date.now()));
  afterAll(() => recordFigures('trainer-kill', { ...figures, boundaries: cases.length }, Date.now() - started));

  it.each(cases)('after epoch $epoch, checkpoint $point: the run resumes and completes', async ({ epoch, point }) => {
    process.env.LABELTUNE_TRAINER_CRASH_AFTER_EPOCH = String(epoch);
    process.env.LABELTUNE_TRAINER_CRASH_POINT = point;
    const { runId, jobId } = await t.client.invoke('runs.start', tiny);
    figures.runs++;
    expect((await t.client.invoke('job.wait', { jobId })).status).toBe('failed');
    delete process.env.LABELTUNE_TRAINER_CRASH_AFTER_EPOCH;
    delete process.env.LABELTUNE_TRAINER_CRASH_POINT;

    const failed = await t.client.invoke('runs.get', { runId });
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('killed (SIGKILL)');
    figures.kills++;
    // A checkpoint only counts once the engine recorded it: after `written`, epoch N is not in the run yet.
    const lastRecorded = point === 'written' ? epoch - 1 : epoch;
    expect(failed.metrics.map((m) => m.epoch)).toEqual(Array.from({ length: lastRecorded }, (_, i) => i + 1));
    expect(failed.checkpoints.map((c) => c.epoch).at(-1) ?? 0).toBe(lastRecorded);
    for (const c of failed.checkpoints) expect(existsSync(join(t.projectDir, c.path)), c.path).toBe(true);

    let resumedJob: string | undefined;
    const seen = epochEnds(() => resumedJob);
    const resumed = await t.client.invoke('runs.resume', { runId });
    resumedJob = resumed.jobId;
    figures.runs++;
    const status = (await t.client.invoke('job.wait', { jobId: resumed.jobId })).status;
    seen.off();
    if (status !== 'completed') figures.unresumable++;
    expect(status).toBe('completed');
    figures.resumed++;
    const done = await t.client.invoke('runs.get', { runId });
    expect(done.status).toBe('completed');
    expect(done.metrics.map((m) => m.epoch)).toEqual([1, 2, 3]);
    // The resumed trainer starts after the last recorded checkpoint: nothing redone, nothing skipped.
    expect(seen.epochs).toEqual(Array.from({ length: EPOCHS - lastRecorded }, (_, i) => lastRecorded + i + 1));
    figures.epochsLost += EPOCHS - done.metrics.length;
    expect(done.checkpoints.at(-1)?.epoch).toBe(EPOCHS);
    const files = readdirSync(join(t.projectDir, 'checkpoints', String(runId))).sort();
    expect(files).toEqual(done.checkpoints.map((c) => c.path.split('/').pop()).sort());
  });
});
