import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvaluationMetrics } from '../../../shared/domain/evaluation.ts';
import { runDetail } from '../runs/store.ts';
import { fillSampleProject } from '../runs/testing/sample-project.ts';
import { type TestEngine, createTestProject } from '../testing/test-engine.ts';
import { latestEvaluation } from './export-job.ts';
import { type ModelCard, dataSummary, modelCard } from './model-card.ts';
import { modelCardMarkdown } from './model-card-markdown.ts';

/** One tiny trained and evaluated run, with groups (some images ungrouped) and a test split. */
let t: TestEngine;
let card: ModelCard;
let md: string;
const classes = ['ok', 'scratch'];

beforeAll(async () => {
  t = await createTestProject('Card project');
  const db = t.engine.ctx.project().db;
  const { imageIds } = await fillSampleProject(db, t.projectDir, { perClass: 14, classes });
  // Per class: k 0-3 validation (from the sample), 4-9 train, 10-13 test; two images per group, except k 4 and 9.
  imageIds.forEach((id, i) => {
    const c = Math.floor(i / 14);
    const k = i % 14;
    if (k >= 10) db.prepare(`UPDATE splits SET split = 'test' WHERE image_id = ?`).run(id);
    const group = k === 4 || k === 9 ? null : `${classes[c]}-${Math.floor(k / 2)}`;
    db.prepare('UPDATE images SET group_id = ? WHERE id = ?').run(group, id);
  });
  const started = await t.client.invoke('runs.start', { backbone: 'test-tiny-resnet', imageSize: 32, batchSize: 8, lr: 0.05, backend: 'cpu', seed: 7, strategy: 'full', epochs: 2, augment: false });
  expect((await t.client.invoke('job.wait', { jobId: started.jobId })).status).toBe('completed');
  const evaluated = await t.client.invoke('eval.run', { runId: started.runId });
  expect((await t.client.invoke('job.wait', { jobId: evaluated.jobId })).status).toBe('completed');
  const project = t.engine.ctx.project();
  const evaluation = latestEvaluation(project, started.runId);
  card = modelCard(runDetail(db, started.runId, null), {
    format: 'onnx',
    files: ['model.onnx', 'preprocessing.json', 'model-card.md', 'model-card.json'],
    data: dataSummary(db, classes),
    parity: null,
    evaluation,
    loading: 'ort.InferenceSession.create("model.onnx")',
    versions: { labeltune: '0.0.0-test' },
  });
  md = modelCardMarkdown(card);
}, 180_000);
afterAll(async () => {
  await t?.dispose();
});

describe('the Markdown model card of a small trained run', () => {
  it('is one page with no long number arrays (those stay in the JSON card)', () => {
    const lines = md.split('\n');
    expect(lines.length).toBeLessThan(120);
    expect(lines.length).toBeGreaterThan(30);
    // No JSON array literal of more than a few numbers, anywhere on the page.
    expect(md).not.toMatch(/\[\s*-?[\d.e+-]+(\s*,\s*-?[\d.e+-]+){4,}\s*\]/);
    expect(md).not.toContain('```json');
    // The arrays are not lost: they are in the JSON card.
    const e = card.metrics.evaluation as EvaluationMetrics;
    expect(e.confusion).toHaveLength(2);
    expect(Math.max(...e.perClass.map((c) => c.roc?.fpr.length ?? 0))).toBeGreaterThan(2);
  });

  it('counts groups the way the Splits view does', async () => {
    const report = await t.client.invoke('splits.report', {});
    // Per class, train k 4-9: k4 and k9 ungrouped (one each), k5, k6-7, k8: 5 groups; val k 0-3: 2; test k 10-13: 2.
    // (Counting only named groups, as the card once did, gives 14.)
    expect(report.parts).toMatchObject({ train: { groups: 10 }, val: { groups: 4 }, test: { groups: 4 } });
    const total = report.parts.train.groups + report.parts.val.groups + report.parts.test.groups;
    expect(card.data.groups).toBe(total);
    expect(total).toBe(18);
    expect(md).toContain(`- Groups: ${total}, counted as the Splits view counts them`);
    expect(md).toContain('| **groups** | 10 | 4 | 4 |');
    expect(md).toContain('| **images** | 12 | 8 | 8 |');
    expect(md).toContain('| ok | 6 | 4 | 4 |');
  });

  it('has the summary, training, results with intervals, a per-class table and limitations', () => {
    const e = card.metrics.evaluation as EvaluationMetrics;
    for (const heading of ['## Summary', '## Training', '## Results', '## Intended use and limitations', '## How to load it']) expect(md).toContain(`\n${heading}\n`);
    expect(md).toContain('- Task: single-label image classification into 2 classes: ok, scratch.');
    expect(md).toContain('- Backbone: test-tiny-resnet; weights: ');
    expect(md).toMatch(/- Epochs: 2 run of 2 planned, best epoch \d; learning rate 0\.05/);
    expect(md).toContain(`Evaluation on the test split (8 images`);
    expect(md).toMatch(/: accuracy \d+\.\d% \(95% CI \d+\.\d%–\d+\.\d%\)/);
    const ok = e.perClass.find((c) => c.name === 'ok')!;
    expect(md).toContain(`| ok | ${ok.support} | `);
    expect(md).toMatch(/\n\| class \| support \| precision \| recall \| F1 \| AUC \| sensitivity \| specificity \|\n/);
    expect(md).toContain('- Performance on another site, scanner, camera or population is unknown until measured there.');
  });
});
