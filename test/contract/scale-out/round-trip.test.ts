import { cpSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFile } from '../../../electron/imaging/decode/index.ts';
import { preprocessImage } from '../../../electron/training/preprocess/preprocess.ts';
import { preprocessFor } from '../../../electron/training/trainer/model.ts';
import { encodeNpy } from '../../../electron/weights/npy.ts';
import { runCli } from '../../../electron/engine/testing/cli.ts';
import { FIXTURE, JOB_OPTS, PythonChecks, createJobProject, metricRows, ranks, ready } from './setup.ts';

/**
 * The round trip of issue 18 on one job: project -> job folder -> train.py under 2 DDP ranks (gloo,
 * CPU) and at world size 1 -> resume -> job import -> eval, from the CLI and the Train view's jobs.
 */

let t: Awaited<ReturnType<typeof createJobProject>>;
let python: PythonChecks;
let job: string;
const timings: Record<string, number> = {};

const manifestOf = (dir: string) => readFileSync(join(dir, 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

describe.runIf(ready)('labeltune job: export, train.py under DDP, import, eval', () => {
  beforeAll(async () => {
    t = await createJobProject();
    python = new PythonChecks();
    job = join(t.tmp, 'job');
  });
  afterAll(async () => {
    t?.restoreHome();
    python?.close();
    await t?.dispose();
    console.log(`scale-out round trip: ${JSON.stringify(timings)}`);
  });

  it('job export writes the job the app would run: manifest, preprocessing, config with the plan, weights, train.py', async () => {
    const { code, out, err } = await runCli('job', 'export', t.projectDir, '--out', job, ...JOB_OPTS, '--strategy', 'top', '--json');
    expect(code, err).toBe(0);
    const doc = JSON.parse(out);
    expect(doc.files).toEqual(['README.md', 'config.json', 'initial.safetensors', 'labeltune_job', 'manifest.jsonl', 'preprocessing.json', 'train.py']);
    expect(doc.trainImages + doc.valImages).toBe(60);
    const manifest = manifestOf(job);
    expect(manifest).toHaveLength(60);
    expect(manifest.filter((m) => m.split === 'val')).toHaveLength(15);
    expect(manifest[0]).toMatchObject({ split: 'train', labels: [0], names: ['a'] });
    const cfg = JSON.parse(readFileSync(join(job, 'config.json'), 'utf8'));
    expect(cfg.run).toEqual(doc.config);
    expect(cfg.run.seed).toBe(5);
    // The plan's rates, and exactly the app's `top` selection: the last conv of layer4 with its BatchNorm, plus the head.
    expect(cfg.learningRates).toEqual(doc.learningRates);
    expect(cfg.schedule[0].trainParams).toEqual(['layer4.1.conv2.weight', 'layer4.1.bn2.weight', 'layer4.1.bn2.bias', 'fc.weight', 'fc.bias']);
    expect(cfg.schedule[0].bnTrainGroups).toEqual(['head']);
    const pre = JSON.parse(readFileSync(join(job, 'preprocessing.json'), 'utf8'));
    expect(pre).toMatchObject({ format: 'labeltune-preprocessing', inputSize: 32, resize: 'crop', classes: ['a', 'b', 'c'] });
    // Refuses a folder that has something in it, and changes nothing there.
    const again = await runCli('job', 'export', t.projectDir, '--out', job, ...JOB_OPTS, '--json');
    expect(again.code).toBe(1);
    expect(JSON.parse(again.out).error.message).toMatch(/is not empty/);
  });

  it('job export --copy puts the images in the folder and the manifest points there', async () => {
    const copied = join(t.tmp, 'job-copy');
    const { code, out } = await runCli('job', 'export', t.projectDir, '--out', copied, ...JOB_OPTS, '--strategy', 'linear', '--copy', '--json');
    expect(code, out).toBe(0);
    const manifest = manifestOf(copied);
    const original = manifestOf(job);
    expect(manifest.map((m) => m.file)).toEqual(original.map((m) => `images/${m.id}.png`));
    expect(readFileSync(join(copied, manifest[3].file)).equals(readFileSync(original[3].file))).toBe(true);
  });

  it("train.py's preprocessing of project images equals the app's (< 1e-4)", async () => {
    const manifest = manifestOf(job).slice(0, 4);
    const cfg = JSON.parse(readFileSync(join(job, 'config.json'), 'utf8'));
    const pre = preprocessFor(cfg.run);
    const app = new Float32Array(manifest.length * 32 * 32 * 3);
    for (const [i, m] of manifest.entries()) app.set(preprocessImage((await decodeFile(m.file, { frame: 0 })).frames[0], pre), i * 32 * 32 * 3);
    writeFileSync(join(t.tmp, 'pre.npy'), encodeNpy([manifest.length, 32, 32, 3], app));
    const diff = Number(await python.run(`
import json, numpy as np
pre = json.load(open('preprocessing.json')); files = ${JSON.stringify(manifest.map((m) => m.file))}
mine = np.stack([train.preprocess(f, pre).numpy().transpose(1, 2, 0) for f in files])
print(float(np.abs(mine - np.load(${JSON.stringify(join(t.tmp, 'pre.npy'))})).max()))`, job));
    timings.preprocessParity = diff;
    expect(diff).toBeLessThan(1e-4);
  });

  it('2 gloo ranks train the job to completion, and world size 1 with the same global batch gives the same weights', async () => {
    const single = join(t.tmp, 'job-ws1');
    cpSync(job, single, { recursive: true });
    // At the same time: on a shared machine each run's seconds (for docs/scale-out.md) include the other's load.
    [timings.worldSize2, timings.worldSize1] = await Promise.all([ranks(job, 2, 29511), ranks(single, 1, 29512)]);
    const result = JSON.parse(readFileSync(join(job, 'output', 'result.json'), 'utf8'));
    expect(result).toMatchObject({ engine: 'pytorch', worldSize: 2, backend: 'gloo', epochs: 2, completed: true });
    expect(readdirSync(join(job, 'output', 'checkpoints')).sort()).toEqual(['best.safetensors', 'last.safetensors']);
    const rows = metricRows(job);
    expect(rows.map((r) => r.epoch)).toEqual([1, 2]);
    // Same global batch, same order, BatchNorm statistics frozen (top): the averaged gradient of two
    // half-batches is the full batch's, so only float summation order differs (~1e-7 relative),
    // which Adam's per-element normalisation can amplify only where a gradient is ~0.
    const diff = Number(await python.run(`
a, _ = train.read_safetensors('output/checkpoints/last.safetensors'); b, _ = train.read_safetensors(${JSON.stringify(join(single, 'output/checkpoints/last.safetensors'))})
init, _ = train.read_safetensors('initial.safetensors')
assert max(float((a[k] - init[k]).abs().max()) for k in a) > 1e-3, 'nothing trained'
print(max(float((a[k] - b[k]).abs().max()) for k in a))`, job));
    timings.ddpVsSingleMaxAbs = diff;
    expect(diff).toBeLessThan(1e-5);
    const rows1 = metricRows(single);
    rows.forEach((r, i) => expect(r.valLoss).toBeCloseTo(rows1[i].valLoss, 5));
  }, 300_000); // two trainings (130 s one after the other on a busy 2-core machine)

  it('a job stopped after epoch 1 resumes from its last checkpoint and ends with the uninterrupted weights', async () => {
    const resumed = join(t.tmp, 'job-resume');
    cpSync(job, resumed, { recursive: true });
    rmSync(join(resumed, 'output'), { recursive: true });
    await expect(ranks(resumed, 1, 29513, { LABELTUNE_JOB_EXIT_AFTER_EPOCH: '1' })).rejects.toThrow(/exited 3/);
    expect(readFileSync(join(resumed, 'output', 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
    await ranks(resumed, 1, 29514);
    expect(metricRows(resumed).map((r) => r.epoch)).toEqual([1, 2]);
    const diff = Number(await python.run(`
a, _ = train.read_safetensors('output/checkpoints/last.safetensors'); b, _ = train.read_safetensors(${JSON.stringify(join(t.tmp, 'job-ws1', 'output/checkpoints/last.safetensors'))})
print(max(float((a[k] - b[k]).abs().max()) for k in a))`, resumed));
    expect(diff).toBeLessThan(1e-7);
  }, 300_000);

  it('job import registers the run; the app evaluates its best checkpoint at the accuracy the script reported', async () => {
    const before = JSON.parse(readFileSync(join(job, 'output', 'result.json'), 'utf8'));
    const { code, out, err } = await runCli('job', 'import', t.projectDir, job, '--json');
    expect(code, err).toBe(0);
    const doc = JSON.parse(out);
    const rows = metricRows(job);
    expect(doc).toMatchObject({ status: 'completed', backend: 'pytorch', backbone: 'resnet18', strategy: 'top' });
    expect(doc.epochs.map((e: { valAccuracy: number }) => e.valAccuracy)).toEqual(rows.map((r) => r.valAccuracy));
    expect(rows.every((r) => r.valAuc > 0.3 && r.valAuc <= 1)).toBe(true);
    expect(doc.epochs.map((e: { valAuc: number }) => e.valAuc)).toEqual(rows.map((r) => r.valAuc));
    expect(doc.final.valAccuracy).toBe(rows[1].valAccuracy);
    expect(doc.best.epoch).toBe(before.bestEpoch);
    const ev = await runCli('eval', t.projectDir, '--run', String(doc.runId), '--split', 'val', '--json');
    expect(ev.code, ev.err).toBe(0);
    const metrics = JSON.parse(ev.out);
    expect(metrics.images).toBe(15);
    expect(metrics.accuracy).toBe(rows[before.bestEpoch - 1].valAccuracy);
    timings.importedValAccuracy = metrics.accuracy;
    // The script's AUC is the app's: the mean of the evaluation's one-vs-rest AUCs on the same images.
    const aucs = metrics.perClass.map((c: { auc: number | null }) => c.auc).filter((x: number | null) => x !== null);
    expect(aucs).toHaveLength(3);
    const appAuc = aucs.reduce((x: number, y: number) => x + y, 0) / aucs.length;
    timings.importedValAucDiff = Math.abs(appAuc - rows[before.bestEpoch - 1].valAuc);
    expect(timings.importedValAucDiff).toBeLessThan(1e-6);
    const last = await runCli('eval', t.projectDir, '--run', String(doc.runId), '--split', 'val', '--checkpoint', 'last', '--json');
    expect(JSON.parse(last.out)).toMatchObject({ checkpoint: { which: 'last', epoch: 2 }, accuracy: rows[1].valAccuracy });
    // Not only the same count: the same images wrong, by the script's model on its best checkpoint.
    const wrong = JSON.parse(await python.run(`
import json, torch
cfg = json.load(open('config.json')); pre = json.load(open('preprocessing.json'))
items = [json.loads(l) for l in open('manifest.jsonl') if json.loads(l)['split'] == 'val']
m = train.build_model('resnet18', 3, 32); w, _ = train.read_safetensors('output/checkpoints/best.safetensors'); train.load_timm(m, w, 'best'); m.eval()
with torch.no_grad(): pred = m(torch.stack([train.preprocess(it['file'], pre) for it in items])).argmax(1).tolist()
print(json.dumps(sorted(it['id'] for it, p in zip(items, pred) if p != it['labels'][0])))`, job));
    expect(metrics.misclassified.map((x: { imageId: number }) => x.imageId).sort((a: number, b: number) => a - b)).toEqual(wrong);
    expect(wrong.length).toBeGreaterThan(0);
  });

  it('runs.exportJob and runs.importJob (the Train view\'s "Train elsewhere…") do the same as jobs of the engine', async () => {
    await t.client.invoke('project.open', { dir: t.projectDir });
    try {
      const before = (await t.client.invoke('runs.list', {})).length;
      const dir = join(t.tmp, 'job-from-view');
      const options = { backbone: 'resnet18', weights: FIXTURE, imageSize: 32, epochs: 1, batchSize: 8, augment: false, strategy: 'top' as const };
      const exported = await t.client.invoke('job.wait', await t.client.invoke('runs.exportJob', { options, dir }));
      expect(exported.status, exported.error?.message).toBe('completed');
      const folder = exported.result as { dir: string; files: string[]; trainImages: number; commands: string[] };
      expect(folder).toMatchObject({ dir, trainImages: 45, files: ['README.md', 'config.json', 'initial.safetensors', 'labeltune_job', 'manifest.jsonl', 'preprocessing.json', 'train.py'] });
      expect(folder.commands[0]).toBe(`cd ${dir}`);
      expect(folder.commands.at(-1)).toContain(`labeltune job import ${t.projectDir} ${dir}`);
      // A folder that was not run is refused, naming the missing file; nothing is registered.
      const refused = await t.client.invoke('job.wait', await t.client.invoke('runs.importJob', { dir }));
      expect(refused.status).toBe('failed');
      expect(refused.error?.message).toMatch(/output\/result\.json is missing/);
      expect(await t.client.invoke('runs.list', {})).toHaveLength(before);
      // The job trained above on 2 ranks: imported from the view, it is a completed PyTorch run of the project.
      const imported = await t.client.invoke('job.wait', await t.client.invoke('runs.importJob', { dir: job }));
      expect(imported.status, imported.error?.message).toBe('completed');
      const { runId } = imported.result as { runId: number };
      const runs = await t.client.invoke('runs.list', {});
      expect(runs).toHaveLength(before + 1);
      const run = await t.client.invoke('runs.get', { runId });
      expect(run).toMatchObject({ status: 'completed', backend: 'pytorch', strategy: 'top' });
      expect(run.metrics.map((m) => m.valAccuracy)).toEqual(metricRows(job).map((r) => r.valAccuracy));
    } finally {
      await t.engine.ctx.setProject(null);
    }
  });

  it('a partial job folder is refused with the file named, and nothing is registered', async () => {
    const broken = join(t.tmp, 'job-broken');
    cpSync(job, broken, { recursive: true });
    rmSync(join(broken, 'output', 'checkpoints', 'best.safetensors'));
    const runsBefore = (await runCli('job', 'import', t.projectDir, join(t.tmp, 'nowhere'), '--json')).out;
    expect(JSON.parse(runsBefore).error.message).toMatch(/nowhere\/config\.json is missing/);
    const { code, out } = await runCli('job', 'import', t.projectDir, broken, '--json');
    expect(code).toBe(1);
    expect(JSON.parse(out).error.message).toMatch(/best\.safetensors is missing/);
    rmSync(join(broken, 'output', 'result.json'));
    const r2 = await runCli('job', 'import', t.projectDir, broken, '--json');
    expect(JSON.parse(r2.out).error.message).toMatch(/result\.json is missing/);
    // The two imports above (CLI and view) and nothing from the refused ones.
    expect(readdirSync(join(t.projectDir, 'checkpoints'))).toHaveLength(2);
  });
});
