import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportInfo } from '../../../shared/domain/export.ts';
import { fillSampleProject } from '../runs/testing/sample-project.ts';
import { main } from '../cli/main.ts';
import { partialFolderFor } from './export-folder.ts';
import { type TestEngine, createTestProject } from '../testing/test-engine.ts';

let t: TestEngine;
let runId: number;

/** One small real run (resnet18, head only, 32 px) shared by the export tests. */
beforeAll(async () => {
  t = await createTestProject('Export project');
  await fillSampleProject(t.engine.ctx.project().db, t.projectDir, { perClass: 6, classes: ['ok', 'scratch'], size: 24 });
  const started = await t.client.invoke('runs.start', { backbone: 'resnet18', strategy: 'linear', epochs: 1, imageSize: 32, batchSize: 6, backend: 'cpu', seed: 3 });
  runId = started.runId;
  const job = await t.client.invoke('job.wait', { jobId: started.jobId });
  expect(job.status).toBe('completed');
}, 300_000);
afterAll(() => t?.dispose());

async function exportRun(format: 'onnx' | 'tfjs' | 'safetensors'): Promise<ExportInfo> {
  const { jobId } = await t.client.invoke('exports.start', { runId, format });
  const job = await t.client.invoke('job.wait', { jobId });
  expect(job.error).toBeNull();
  return job.result as ExportInfo;
}

describe.each(['onnx', 'tfjs', 'safetensors'] as const)('export %s', (format) => {
  it('writes the model, preprocessing.json and a model card, with parity below 1e-4', async () => {
    const info = await exportRun(format);
    expect(info.path).toBe(join(t.projectDir, 'exports', `run-${runId}-${format}`));
    expect(readdirSync(info.path).sort()).toEqual([...info.files].sort());
    expect(info.parity).toMatchObject({ ok: true, images: 4 }); // the 4 validation images (no test split here)
    expect(info.parity!.maxRelError).toBeLessThan(1e-4);

    const pre = JSON.parse(readFileSync(join(info.path, 'preprocessing.json'), 'utf8'));
    expect(pre).toMatchObject({ inputSize: 32, classes: ['ok', 'scratch'], mean: [0.485, 0.456, 0.406], modelInput: { layout: format === 'onnx' ? 'NCHW' : 'NHWC' } });
    const card = JSON.parse(readFileSync(join(info.path, 'model-card.json'), 'utf8'));
    expect(card.classes).toEqual(['ok', 'scratch']);
    expect(card.model).toMatchObject({ backbone: 'resnet18', strategy: 'linear' });
    expect(card.model.trainableShare).toBeGreaterThan(0);
    expect(card.model.trainableShare).toBeLessThan(0.01);
    expect(card.data.perSplit).toEqual({ train: { ok: 4, scratch: 4 }, val: { ok: 2, scratch: 2 } });
    expect(card.parity.maxRelError).toBe(info.parity!.maxRelError);
    expect(card.versions['@tensorflow/tfjs']).toBe('4.22.0');
    expect(card.limitations.join(' ')).toMatch(/No test split was held out/);
    const md = readFileSync(join(info.path, 'model-card.md'), 'utf8');
    expect(md).toMatch(/# Model card/);
    expect(md).toMatch(/\| ok \| 4 \| 2 \|/);
    if (format === 'safetensors') expect(md).toContain('timm.create_model("resnet18", pretrained=False, num_classes=2)');
  });
});

describe('exports', () => {
  it('are listed newest first, and a second export to the same folder is refused', async () => {
    const list = await t.client.invoke('exports.list', { runId });
    expect(list.map((e) => e.format)).toEqual(['safetensors', 'tfjs', 'onnx']);
    expect(list.every((e) => e.parity?.ok === true)).toBe(true);
    const { jobId } = await t.client.invoke('exports.start', { runId, format: 'onnx' });
    const job = await t.client.invoke('job.wait', { jobId });
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({ code: 'conflict', message: expect.stringMatching(/is not empty/) });
  });

  it('leave nothing that blocks a retry when stopped half-way, and remove the temporary folder a killed one left', async () => {
    const out = join(t.tmp, 'stopped-export');
    const { jobId } = await t.client.invoke('exports.start', { runId, format: 'safetensors', outDir: out });
    await t.client.invoke('job.cancel', { jobId });
    expect((await t.client.invoke('job.wait', { jobId })).status).toBe('cancelled');
    expect(existsSync(out)).toBe(false);
    expect(existsSync(partialFolderFor(out))).toBe(false);

    mkdirSync(partialFolderFor(out)); // as an export killed with -9 leaves it
    writeFileSync(join(partialFolderFor(out), 'model.safetensors'), 'half a model');
    const retry = await t.client.invoke('job.wait', await t.client.invoke('exports.start', { runId, format: 'safetensors', outDir: out }));
    expect(retry.error).toBeNull();
    expect(readdirSync(out).sort()).toEqual([...(retry.result as ExportInfo).files].sort());
    expect(existsSync(partialFolderFor(out))).toBe(false);
  });

  it('explains a missing run', async () => {
    const { jobId } = await t.client.invoke('exports.start', { runId: 999, format: 'onnx' });
    const job = await t.client.invoke('job.wait', { jobId });
    expect(job.error).toMatchObject({ code: 'not-found' });
    expect(existsSync(join(t.projectDir, 'exports', 'run-999-onnx'))).toBe(false);
  });
});

describe('labeltune export', () => {
  it('exports through the CLI with --json, and exits 2 on a bad format', async () => {
    const lines: string[] = [];
    const io = { out: (s: string) => lines.push(s), err: () => undefined };
    process.env.LABELTUNE_HOME = join(t.tmp, 'home');
    const out = join(t.tmp, 'cli-export');
    expect(await main(['export', t.projectDir, '--run', String(runId), '--format', 'onnx', '--out', out, '--json'], io)).toBe(0);
    const info = JSON.parse(lines.join('\n')) as ExportInfo;
    expect(info).toMatchObject({ runId, format: 'onnx', path: out, parity: { ok: true } });
    expect(existsSync(join(out, 'model.onnx'))).toBe(true);
    expect(await main(['export', t.projectDir, '--run', String(runId), '--format', 'pickle'], io)).toBe(2);
  });
});

describe('export of an adapter run', () => {
  it('writes the adapters as ops (parity ok) and refuses a plain timm state dict', async () => {
    const started = await t.client.invoke('runs.start', { backbone: 'resnet18', strategy: 'adapter', epochs: 1, imageSize: 32, batchSize: 6, backend: 'cpu', seed: 4 });
    expect((await t.client.invoke('job.wait', { jobId: started.jobId })).status).toBe('completed');
    const { jobId } = await t.client.invoke('exports.start', { runId: started.runId, format: 'onnx' });
    const job = await t.client.invoke('job.wait', { jobId });
    expect(job.error).toBeNull();
    expect((job.result as ExportInfo).parity).toMatchObject({ ok: true, images: 4 });
    const refused = await t.client.invoke('job.wait', (await t.client.invoke('exports.start', { runId: started.runId, format: 'safetensors' })));
    expect(refused.error).toMatchObject({ code: 'unsupported', message: expect.stringMatching(/Export it as onnx or tfjs/) });
  }, 300_000);
});
