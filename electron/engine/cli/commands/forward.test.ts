import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_DIR, maxRowRelErr } from '../../../training/backbones/testing.ts';
import { readNpy, writeNpy } from '../../../training/weights/npy.ts';
import { runCli } from '../../testing/cli.ts';

let tmp: string;
const previousHome = process.env.LABELTUNE_HOME;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'labeltune-forward-'));
  process.env.LABELTUNE_HOME = join(tmp, 'home');
});
afterAll(() => {
  process.env.LABELTUNE_HOME = previousHome;
  rmSync(tmp, { recursive: true, force: true });
});

const run = runCli;

const fx = join(FIXTURE_DIR, 'resnet18');

describe('labeltune forward', () => {
  it('reproduces the resnet18 fixture logits and features within 1e-4', async () => {
    const logits = join(tmp, 'logits.npy');
    const features = join(tmp, 'features.npy');
    const r = await run('forward', '--arch', 'resnet18', '--weights', join(fx, 'model.safetensors'), '--input', join(fx, 'input.npy'),
      '--logits', logits, '--features', features, '--batch-size', '1', '--json');
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc).toMatchObject({ arch: 'resnet18', images: 2, imageSize: 64, numClasses: 5, featureDim: 512, logits: { shape: [2, 5] }, features: { shape: [2, 512] } });
    const [gotL, refL, gotF, refF] = await Promise.all([logits, join(fx, 'logits.npy'), features, join(fx, 'features.npy')].map(readNpy));
    expect(gotL.shape).toEqual([2, 5]);
    expect(gotL.dtype).toBe('<f4');
    const errL = maxRowRelErr(gotL.data, refL.data, 2);
    const errF = maxRowRelErr(gotF.data, refF.data, 2);
    console.log(`forward CLI resnet18 [${doc.backend}]: logits ${errL.toExponential(2)}, features ${errF.toExponential(2)}`);
    expect(errL).toBeLessThan(1e-4);
    expect(errF).toBeLessThan(1e-4);
  });

  it('exits 2 on missing options and 1 with a message naming the file on a wrong input shape', async () => {
    const missing = await run('forward', '--arch', 'resnet18', '--input', 'x.npy');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('missing --weights, --logits');
    const bad = join(tmp, 'bad.npy');
    await writeNpy(bad, [2, 64, 64, 3], new Float32Array(2 * 64 * 64 * 3));
    const r = await run('forward', '--arch', 'resnet18', '--weights', join(fx, 'model.safetensors'), '--input', bad, '--logits', join(tmp, 'o.npy'), '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).error).toMatchObject({ code: 'validation', message: expect.stringContaining(`${bad}: expected a float32 array of shape [N, 3, S, S]`) });
    const arch = await run('forward', '--arch', 'resnet99', '--weights', 'w', '--input', bad, '--logits', 'o');
    expect(arch.code).toBe(1);
    expect(arch.err).toContain('Unknown model architecture "resnet99"');
  });
});
