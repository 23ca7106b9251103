import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointVariables, loadCheckpoint, saveCheckpoint } from './checkpoint.ts';
import { FineTuner } from './loop.ts';
import { baseConfig } from './testing/config.ts';
import { createStrategy } from './strategies.ts';
import { syntheticData } from './testing/synthetic.ts';
import { createBackbone } from '../backbones/registry.ts';

const dir = mkdtempSync(join(tmpdir(), 'labeltune-ckpt-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const train = syntheticData(16, 16, 3, 1);
const val = syntheticData(9, 16, 3, 2, 1000);
const auxTargets = new Float32Array(16 * 2).map((_, i) => (i % 2 === Math.floor(i / 2) % 2 ? 1 : 0));
const cfg = baseConfig({ epochs: 3, augment: {}, aux: { numClasses: 2, multiLabel: false, schedule: 'uncertainty', alpha: 1 } });

function build(initSeed: number): FineTuner {
  const b = createBackbone('test-tiny-resnet', { numClasses: 3, imageSize: 16, seed: initSeed });
  return new FineTuner(b, createStrategy('gradual', b), cfg, { ...train, auxTargets }, val);
}

describe('checkpoints', () => {
  it('resume continues bit-exactly: 2 epochs + checkpoint + 1 epoch == 3 epochs', async () => {
    const straight = build(1);
    const rowsStraight = await straight.fit();

    const first = build(1);
    await first.runEpoch(0);
    await first.runEpoch(1);
    const file = await saveCheckpoint(first, join(dir, 'run'), 1);
    expect(readdirSync(join(dir, 'run'))).toEqual(['epoch-002.safetensors']); // no temporary file left

    const resumed = build(99); // different initial weights: everything must come from the file
    const meta = await loadCheckpoint(resumed, file);
    expect(meta.epoch).toBe(1);
    expect(resumed.state.epoch).toBe(2);
    const rowsResumed = await resumed.fit();
    expect(rowsResumed.map((r) => r.epoch)).toEqual([2]);
    expect(rowsResumed[0].trainLoss).toBe(rowsStraight[2].trainLoss);
    expect(rowsResumed[0].valLoss).toBe(rowsStraight[2].valLoss);
    const a = checkpointVariables(straight);
    const b = checkpointVariables(resumed);
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [name, v] of a) expect(b.get(name)!.dataSync(), name).toEqual(v.dataSync());
    for (const [g, o] of straight.params.optimizers) expect(resumed.params.optimizers.get(g)!.step).toBe(o.step);
    [straight, first, resumed].forEach((t) => t.dispose());
  });

  it('refuses a checkpoint of another architecture or strategy', async () => {
    const t = build(1);
    const file = await saveCheckpoint(t, join(dir, 'other'), 0);
    const b = createBackbone('test-tiny-resnet', { numClasses: 3, imageSize: 16 });
    const top = new FineTuner(b, createStrategy('linear', b), cfg, { ...train, auxTargets }, val);
    await expect(loadCheckpoint(top, file)).rejects.toMatchObject({ code: 'validation', message: expect.stringContaining('strategy gradual') });
    t.dispose();
    top.dispose();
  });
});
