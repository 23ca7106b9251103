import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeJobWeights } from '../../../electron/model-host/scale-out.ts';
import { createBackbone } from '../../../electron/training/backbones/index.ts';
import { AuxHead } from '../../../electron/training/finetune/aux-head.ts';
import { createAdapters } from '../../../electron/training/finetune/extensions.ts';
import { softmaxCrossEntropy } from '../../../electron/training/finetune/losses.ts';
import { ALPHA_SCHEDULES, alphaAt } from '../../../electron/training/finetune/multitask.ts';
import { Rng } from '../../../electron/training/finetune/rng.ts';
import { loadWeights } from '../../../electron/training/weights/load-weights.ts';
import { SafetensorsFile } from '../../../electron/weights/safetensors.ts';
import { encodeNpy } from '../../../electron/weights/npy.ts';
import { runCli } from '../../../electron/engine/testing/cli.ts';
import { macroAuc } from '../../../shared/metrics/training-metrics.ts';
import { PythonChecks, fixtureWeights, ready, runnerFolder } from './setup.ts';

/** train.py's pieces against the app's on the same weights and inputs: forward, adapters, auxiliary head and loss, α(t), AUC. */

let tmp: string;
let python: PythonChecks;
let runner: string;
const previousHome = process.env.LABELTUNE_HOME;
const measured: Record<string, number> = {};

const ARCHS = [
  ['resnet18', 'resnet18-fmnist0-4', 32],
  ['vit_tiny_patch16_224', 'vit_tiny_patch16_224-fmnist0-4', 64],
] as const;

/** A backbone with the fixture's weights (the head left as built where its class count differs). */
async function fixtureBackbone(arch: string, fixture: string, numClasses: number, size: number) {
  const backbone = createBackbone(arch, { numClasses, imageSize: size, seed: 1 });
  const file = await SafetensorsFile.open(fixtureWeights(fixture));
  await loadWeights(backbone, file, { strict: false }).finally(() => file.close());
  return backbone;
}

describe.runIf(ready)("train.py's model, losses and metrics equal the app's", () => {
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'labeltune-scale-out-parity-'));
    process.env.LABELTUNE_HOME = join(tmp, 'cli-home');
    python = new PythonChecks();
    runner = runnerFolder(join(tmp, 'runner'));
  });
  afterAll(() => {
    if (previousHome === undefined) delete process.env.LABELTUNE_HOME;
    else process.env.LABELTUNE_HOME = previousHome;
    python?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    console.log(`scale-out parity (max |Δ|): ${JSON.stringify(measured)}`);
  });

  it.each(ARCHS)("train.py's %s in eval mode equals the app's forward on the fixture weights (< 1e-4)", async (arch, fixture, size) => {
    const weights = fixtureWeights(fixture);
    const n = 4;
    const x = new Float32Array(n * 3 * size * size);
    let s = 7;
    for (let i = 0; i < x.length; i++) x[i] = (((s = (s * 1103515245 + 12345) & 0x7fffffff) % 2000) / 1000 - 1) * 2;
    writeFileSync(join(tmp, 'x.npy'), encodeNpy([n, 3, size, size], x));
    const { code, err } = await runCli('forward', '--arch', arch, '--weights', weights, '--input', join(tmp, 'x.npy'), '--logits', join(tmp, 'app.npy'), '--backend', 'cpu');
    expect(code, err).toBe(0);
    const diff = Number(await python.run(`
import numpy as np, torch
w, _ = train.read_safetensors(${JSON.stringify(weights)}); m = train.build_model(${JSON.stringify(arch)}, w[${JSON.stringify(arch.startsWith('vit') ? 'head.bias' : 'fc.bias')}].shape[0], ${size})
train.load_timm(m, w, 'fixture'); m.eval()
with torch.no_grad(): y = m(torch.from_numpy(np.load(${JSON.stringify(join(tmp, 'x.npy'))}))).numpy()
app = np.load(${JSON.stringify(join(tmp, 'app.npy'))}); assert app.shape == y.shape, (app.shape, y.shape)
assert np.abs(app).max() > 0.1, 'logits too small to compare'
print(float(np.abs(app - y).max()))`, runner));
    measured[`forward_${arch}`] = diff;
    expect(diff).toBeLessThan(1e-4);
  });

  it.each(ARCHS)("train.py's %s with the app's adapters (trained, non-zero up projections) equals the app's forward (< 1e-4)", async (arch, fixture, size) => {
    const backbone = await fixtureBackbone(arch, fixture, 5, size);
    const adapters = createAdapters(backbone, { seed: 3, reduction: 16 });
    const rng = new Rng(9);
    // As after training: up is no longer zero, so each adapter changes its site's output.
    for (const [name, v] of adapters.variables) if (name.includes('.up.')) v.assign(tf.tensor(Array.from({ length: v.size }, () => rng.uniform(-0.05, 0.05)), v.shape));
    const n = 3;
    const x = tf.randomUniform([n, size, size, 3], -2, 2, 'float32', 4) as tf.Tensor4D;
    const logits = tf.tidy(() => backbone.forwardHead(backbone.forwardFeatures(x, { afterGroup: adapters.hooks.afterGroup })));
    const plain = tf.tidy(() => backbone.forwardHead(backbone.forwardFeatures(x)));
    const effect = tf.max(tf.abs(tf.sub(logits, plain))).dataSync()[0];
    expect(effect, 'the adapters must change the logits').toBeGreaterThan(1e-2);
    const dir = runnerFolder(join(tmp, `adapters-${arch}`));
    await writeJobWeights(backbone, adapters, join(dir, 'w.safetensors'));
    writeFileSync(join(dir, 'x.npy'), encodeNpy([n, 3, size, size], tf.transpose(x, [0, 3, 1, 2]).dataSync() as Float32Array));
    writeFileSync(join(dir, 'app.npy'), encodeNpy([n, 5], logits.dataSync() as Float32Array));
    const sites = Object.fromEntries([...adapters.variables].filter(([k]) => k.endsWith('.down.weight')).map(([k, v]) => [k.slice('adapters.'.length, -'.down.weight'.length), v.shape]));
    expect(Object.keys(sites)).toEqual(arch === 'resnet18' ? ['layer1', 'layer2', 'layer3', 'layer4'] : Array.from({ length: 12 }, (_, i) => `blocks.${i}`));
    tf.dispose([x, logits, plain]);
    adapters.dispose();
    backbone.dispose();
    const diff = Number(await python.run(`
import numpy as np, torch
w, _ = train.read_safetensors('w.safetensors'); m = train.build_model(${JSON.stringify(arch)}, 5, ${size})
train.add_adapters(m, ${JSON.stringify(sites)}, 'relu'); train.load_timm(m, w, 'w.safetensors'); m.eval()
with torch.no_grad(): y = m(torch.from_numpy(np.load('x.npy'))).numpy()
print(float(np.abs(np.load('app.npy') - y).max()))`, dir));
    measured[`adapters_${arch}`] = diff;
    expect(diff).toBeLessThan(1e-4);
  });

  it("train.py's α(t) equals the app's schedules, epoch by epoch", async () => {
    const cases = ALPHA_SCHEDULES.filter((x) => x !== 'uncertainty').flatMap((sched) => [1, 2, 5].flatMap((epochs) => Array.from({ length: epochs }, (_, e) => [sched, 0.7, e, epochs] as const)));
    const mine = JSON.parse(await python.run(`import json; print(json.dumps([train.alpha_at(*c) for c in ${JSON.stringify(cases)}]))`, runner));
    expect(mine).toEqual(cases.map(([sched, a0, e, n]) => alphaAt(sched, a0, e, n)));
    expect(new Set(mine).size).toBeGreaterThan(4); // the schedules do decay
  });

  it.each(['cosine', 'uncertainty'] as const)("train.py's auxiliary head and %s-weighted loss equal the app's on the same weights", async (schedule) => {
    const size = 32;
    const backbone = await fixtureBackbone('resnet18', 'resnet18-fmnist0-4', 3, size);
    const aux = new AuxHead({ numClasses: 2, multiLabel: false, schedule, alpha: 0.7 }, backbone.featureDim, 5);
    aux.uncertainty?.logVars.assign(tf.tensor1d([0.3, -0.2])); // as learned: the tasks weigh differently
    await aux.uncertainty?.refresh(); // α is read from the values last read (asynchronously, as on webgpu)
    const n = 4;
    const x = tf.randomUniform([n, size, size, 3], -2, 2, 'float32', 6) as tf.Tensor4D;
    const targets = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]];
    const auxTargets = [[1, 0], [0, 1], [1, 0], [0, 1]];
    const mask = [1, 0, 1, 1]; // the second image has no auxiliary label
    const [auxLogits, loss] = tf.tidy(() => {
      const features = backbone.forwardFeatures(x);
      const main = softmaxCrossEntropy(backbone.forwardHead(features), tf.tensor2d(targets));
      const al = aux.logits(backbone.forwardHead(features, { preLogits: true }));
      const auxLoss = softmaxCrossEntropy(al, tf.tensor2d(auxTargets), { sampleWeights: tf.tensor1d(mask) });
      return [al, aux.combine(main, auxLoss, 1, 4)];
    });
    const dir = runnerFolder(join(tmp, `aux-${schedule}`));
    await writeJobWeights(backbone, null, join(dir, 'w.safetensors'), aux);
    writeFileSync(join(dir, 'x.npy'), encodeNpy([n, 3, size, size], tf.transpose(x, [0, 3, 1, 2]).dataSync() as Float32Array));
    const app = { auxLogits: Array.from(auxLogits.dataSync()), loss: loss.dataSync()[0], alpha: aux.alpha(1, 4) };
    tf.dispose([x, auxLogits, loss]);
    aux.dispose();
    backbone.dispose();
    const got = JSON.parse(await python.run(`
import json, numpy as np, torch
w, _ = train.read_safetensors('w.safetensors'); m = train.build_model('resnet18', 3, ${size})
cfg = {'numClasses': 2, 'multiLabel': False, 'schedule': ${JSON.stringify(schedule)}, 'alpha': 0.7}
train.add_aux_head(m, 2, cfg['schedule'] == 'uncertainty'); train.load_timm(m, w, 'w.safetensors'); m.eval()
with torch.no_grad():
    logits = m(torch.from_numpy(np.load('x.npy')))
    main = train.weighted_ce(logits, torch.tensor(${JSON.stringify(targets)}, dtype=torch.float32), None, 0)
    aux = train.weighted_ce(m.aux_logits, torch.tensor(${JSON.stringify(auxTargets)}, dtype=torch.float32), None, 0, sample_weights=torch.tensor(${JSON.stringify(mask)}, dtype=torch.float32))
    lv = m.multitask.log_vars if hasattr(m, 'multitask') else None
    loss = train.combine_losses(main, aux, cfg, lv, 1, 4, 1)
print(json.dumps({'auxLogits': m.aux_logits.flatten().tolist(), 'loss': float(loss), 'alpha': train.logged_alpha(cfg, lv, 1, 4)}))`, dir));
    const diff = Math.max(...app.auxLogits.map((v, i) => Math.abs(v - got.auxLogits[i])));
    measured[`aux_${schedule}`] = diff;
    expect(Math.max(...app.auxLogits.map(Math.abs))).toBeGreaterThan(0.1);
    expect(diff).toBeLessThan(1e-4);
    expect(got.loss).toBeCloseTo(app.loss, 5);
    expect(got.alpha).toBeCloseTo(app.alpha, 6);
  });

  it("train.py's macro one-vs-rest AUC equals the app's (shared/metrics) on the same scores, ties and absent classes included", async () => {
    let seed = 11;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 1000) / 1000;
    const n = 40;
    const k = 4;
    // Scores on a coarse grid (many ties); class 3 never present, so it is left out of the mean.
    const probs = Array.from({ length: n }, () => Array.from({ length: k }, () => Math.round(rand() * 20) / 20));
    const single = Array.from({ length: n }, (_, i) => Array.from({ length: k }, (_, c) => (c === i % 3 ? 1 : 0)));
    const multi = Array.from({ length: n }, () => Array.from({ length: k }, (_, c) => (c < 3 && rand() < 0.4 ? 1 : 0)));
    for (const targets of [single, multi]) {
      const app = macroAuc(probs.flat(), targets.flat(), k)!;
      const mine = Number(await python.run(`print(repr(train.macro_auc(${JSON.stringify(probs)}, ${JSON.stringify(targets)})))`, runner));
      expect(app).toBeGreaterThan(0.3);
      expect(Math.abs(mine - app)).toBeLessThan(1e-12);
    }
    expect(await python.run(`print(train.macro_auc([[0.2, 0.8], [0.4, 0.6]], [[1, 0], [1, 0]]))`, runner)).toBe('None');
  });
});
