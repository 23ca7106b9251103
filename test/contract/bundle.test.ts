import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_ENTRIES, buildElectron } from '../../electron/build.mjs';
import type { EvaluationMetrics } from '../../shared/domain/evaluation.ts';
import type { ExportInfo } from '../../shared/domain/export.ts';
import type { JobState } from '../../shared/domain/job.ts';
import type { RunDetail } from '../../shared/domain/run.ts';
import type { ImportReport } from '../../shared/contract/datasets.ts';
import type { SplitReport } from '../../shared/domain/splits.ts';
import { processEntries, urlsRelativeToModule } from './bundle-paths.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const testing = join(root, 'electron/main/testing');
/** The pretrained resnet18 stand-in (../shared/fixtures/pretrained): the run starts where a user's would. */
const PRETRAINED = join(root, '../shared/fixtures/pretrained/resnet18-fmnist0-4/model.safetensors');
const CLASSES = ['blue', 'green', 'red'];
const PER_CLASS = 8;

/**
 * The desktop app's job path through the built bundle, nothing else: out/main/index.mjs (the
 * Electron main process) runs in plain Node on the fake Electron and is driven over its IPC
 * handlers, as the window would drive it; it relays every call to the engine's utility process
 * (out/main/engine.mjs, forked by the fake's utilityProcess). That is the code the desktop app runs:
 * the engine forks the model host it finds next to the bundle (out/main/model-host.mjs), with no tsx anywhere.
 * register-bundle-only.mjs makes every process and thread refuse tsx and TypeScript files and logs
 * what they load. (A bundled CLI would test a build the app does not ship.)
 *
 * The run is what a user starts: resnet18 from pretrained weights with the default settings (auto's
 * strategy, learning rates, batch, epochs), only at the weights' own 32 px so it stays quick. Not a
 * tiny test config: pretrained weights, their download cache and their preprocessing are part of the
 * path.
 */
describe('the desktop bundle', () => {
  let scratch: string;
  let out: string;
  /** What testing/fake-electron.mjs runJobs reports: each step's result, up to the first that failed (`error`). */
  let jobs: { imported: JobState; splits: SplitReport; trained: JobState; run: RunDetail; evaluated: JobState; exported: JobState; error?: string };
  let loaded: { pid: number; file: string }[];
  let mainPid: number;
  let enginePid: number;

  beforeAll(async () => {
    // Inside the repository (gitignored .cache/) so the bundle's external packages resolve from node_modules.
    mkdirSync(join(root, '.cache'), { recursive: true });
    scratch = mkdtempSync(join(root, '.cache/bundle-jobs-test-'));
    out = join(scratch, 'out');
    await buildElectron(out);
    await writeClassFolders(join(scratch, 'images'));
    mkdirSync(join(scratch, 'app/renderer/dist'), { recursive: true });
    writeFileSync(join(scratch, 'app/renderer/dist/index.html'), '<!doctype html><title>LabelTune</title>');
    const log = join(scratch, 'loaded.log');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LABELTUNE_QUIET: '1',
      LABELTUNE_HOME: join(scratch, 'home'),
      BUNDLE_LOAD_LOG: log,
      FAKE_APP_PATH: join(scratch, 'app'),
      FAKE_PROJECT_DIR: join(scratch, 'project'),
      FAKE_IMPORT_DIR: join(scratch, 'images'),
      FAKE_RUN: JSON.stringify({ backbone: 'resnet18', weights: PRETRAINED, imageSize: 32, backend: 'wasm', seed: 3 }),
      FAKE_EXPORT: 'tfjs',
    };
    delete env.NODE_OPTIONS;
    const run = spawnSync(
      process.execPath,
      ['--import', join(testing, 'register-bundle-only.mjs'), '--import', join(testing, 'register-fake-electron.mjs'), join(out, 'main/index.mjs')],
      { encoding: 'utf8', timeout: 110_000, env },
    );
    if (run.status !== 0) throw new Error(`bundle exited with ${run.status}: ${run.stderr}`);
    jobs = JSON.parse(run.stdout.trim().split('\n').at(-1)!).jobs;
    loaded = readFileSync(log, 'utf8').trim().split('\n').map((line) => {
      const [pid, url] = line.split(' ');
      return { pid: Number(pid), file: fileURLToPath(url) };
    });
    mainPid = loaded.find((l) => l.file === join(out, 'main/index.mjs'))!.pid;
    enginePid = loaded.find((l) => l.file === join(out, 'main/engine.mjs'))!.pid;
  }, 150_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('builds every process entry, and every path it finds relative to itself is a file it built', () => {
    const bundles = readdirSync(join(out, 'main')).filter((f) => f.endsWith('.mjs'));
    expect(bundles.sort()).toEqual(Object.keys(NODE_ENTRIES).sort());
    const { literal, other } = urlsRelativeToModule(bundles.map((b) => readFileSync(join(out, 'main', b), 'utf8')));
    expect(literal.sort()).toEqual(['../preload/index.cjs', './migrations/']);
    for (const rel of literal) expect(existsSync(fileURLToPath(new URL(rel, pathToFileURL(join(out, 'main/index.mjs')))))).toBe(true);
    // The one computed path: engine/app-files.ts processEntry(bundled name, tsx shim of the sources).
    expect(other).toEqual(['`./${bundled}`']);
    const located = bundles.flatMap((b) => processEntries(readFileSync(join(out, 'main', b), 'utf8')));
    const entries = [...new Map(located.map((e) => [e.bundled, e])).values()].sort((a, b) => a.bundled.localeCompare(b.bundled));
    // Main locates the engine; the engine the import workers and the model host.
    expect(processEntries(readFileSync(join(out, 'main/index.mjs'), 'utf8')).map((e) => e.bundled)).toEqual(['engine.mjs']);
    expect(entries).toEqual([
      { bundled: 'engine.mjs', source: 'electron/engine/process/engine-main.mjs' },
      { bundled: 'model-host.mjs', source: 'electron/model-host/host.mjs' },
      { bundled: 'prepare-worker.mjs', source: 'electron/engine/datasets/import/prepare-worker.mjs' },
    ]);
    for (const e of entries) {
      expect(existsSync(join(out, 'main', e.bundled))).toBe(true);
      expect(existsSync(join(root, e.source))).toBe(true);
    }
  });

  it('goes through every step: import, split, train, evaluate, export', () => {
    expect(jobs.error).toBeUndefined();
  });

  it('imports the class folders and splits them', () => {
    expect(jobs.imported).toMatchObject({ status: 'completed', error: null });
    const report = jobs.imported.result as ImportReport;
    expect([report.files, report.imported, report.issues]).toEqual([CLASSES.length * PER_CLASS, CLASSES.length * PER_CLASS, []]);
    expect(report.labels.classesCreated.sort()).toEqual(CLASSES);
    expect(report.labels.main).toEqual(Object.fromEntries(CLASSES.map((c) => [c, PER_CLASS])));
    expect([jobs.splits.parts.train.images, jobs.splits.parts.val.images, jobs.splits.parts.test.images]).toEqual([12, 6, 6]);
  });

  it('fine-tunes the pretrained weights with the default plan in the bundled model host, on wasm', () => {
    expect(existsSync(PRETRAINED)).toBe(true);
    expect(jobs.trained).toMatchObject({ kind: 'train', status: 'completed', error: null });
    expect(jobs.run).toMatchObject({ status: 'completed', backbone: 'resnet18', backend: 'wasm', error: null });
    // auto on 24 images at 32 px: every layer, head 1e-2 and the body a tenth, for the default 10 epochs
    // (or fewer, with the early stop said).
    expect(jobs.run.config).toMatchObject({ strategy: 'full', weights: PRETRAINED, lr: 1e-2, batchSize: 16, epochs: 10 });
    expect(jobs.run.config.bodyLr).toBeCloseTo(1e-3, 12);
    expect(jobs.run.metrics.length === 10 || jobs.run.summary?.stopReason?.startsWith('Stopped early')).toBe(true);
    expect(jobs.run.metrics.every((m) => Number.isFinite(m.trainLoss))).toBe(true);
    expect(jobs.run.summary?.valLoss).toBeGreaterThan(0);
    expect(jobs.run.checkpoints.length).toBeGreaterThan(0);
    // The engine and the model hosts (one per job) are processes of their own, started from the bundles next to the main one.
    const hosts = loaded.filter((l) => l.file === join(out, 'main/model-host.mjs'));
    expect(hosts.length).toBeGreaterThanOrEqual(1);
    expect(mainPid).not.toBe(enginePid);
    expect(hosts.every((h) => h.pid !== mainPid && h.pid !== enginePid)).toBe(true);
  });

  it('evaluates the test split', () => {
    expect(jobs.evaluated).toMatchObject({ kind: 'eval', status: 'completed', error: null });
    const metrics = jobs.evaluated.result as EvaluationMetrics;
    expect(metrics).toMatchObject({ runId: jobs.run.id, split: 'test', images: 6 });
    expect(metrics.classes.sort()).toEqual(CLASSES);
    expect(metrics.confusion!.flat().reduce((a, b) => a + b, 0)).toBe(6);
    expect(metrics.accuracy).toBeGreaterThanOrEqual(0);
    expect(metrics.accuracy).toBeLessThanOrEqual(1);
  });

  it('exports the run as TF.js, with a model card that names the app version', () => {
    expect(jobs.exported).toMatchObject({ kind: 'export', status: 'completed', error: null });
    const info = jobs.exported.result as ExportInfo;
    expect(info.path).toBe(join(scratch, 'project/exports', `run-${jobs.run.id}-tfjs`));
    expect(readdirSync(info.path).sort()).toEqual([...info.files].sort());
    expect(info.files).toEqual(expect.arrayContaining(['model.json', 'preprocessing.json', 'model-card.json']));
    expect(info.parity).toMatchObject({ ok: true });
    const card = JSON.parse(readFileSync(join(info.path, 'model-card.json'), 'utf8'));
    expect(card.versions.labeltune).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
  });

  it('loads no source file in any process: only the bundles and the test hooks', () => {
    const outside = loaded.filter((l) => dirname(l.file) !== join(out, 'main') && dirname(l.file) !== testing);
    expect(outside).toEqual([]);
    expect(loaded.map((l) => l.file)).toContain(join(out, 'main/index.mjs'));
  });
});

/** One folder per class of small PNGs, tinted by class so that the classes can be told apart. */
async function writeClassFolders(dir: string): Promise<void> {
  for (const [c, name] of CLASSES.entries()) {
    mkdirSync(join(dir, name), { recursive: true });
    for (let k = 0; k < PER_CLASS; k++) {
      const px = Buffer.alloc(16 * 16 * 3);
      for (let p = 0; p < 16 * 16; p++) for (let ch = 0; ch < 3; ch++) px[p * 3 + ch] = (ch === c ? 180 : 60) + ((p * 7 + k * 13 + ch * 5) % 40);
      await sharp(px, { raw: { width: 16, height: 16, channels: 3 } }).png().toFile(join(dir, name, `${k}.png`));
    }
  }
}
