import { afterEach, expect, it } from 'vitest';
import type { ImportReport } from '../../../../shared/contract/datasets.ts';
import { createTestEngine, type TestEngine } from '../../testing/test-engine.ts';

let t: TestEngine;
afterEach(() => t?.dispose());

it('demo.create opens a new sample project and fills it through an import job', async () => {
  t = createTestEngine();
  const { jobId, project } = await t.client.invoke('demo.create', { dir: t.projectDir, images: 20, seed: 5 });
  expect(project).toMatchObject({ dir: t.projectDir, name: 'Sample chest X-rays' });
  const job = await t.client.invoke('job.wait', { jobId });
  expect(job.status).toBe('completed');
  const report = job.result as ImportReport;
  expect(report.files).toBe(20);
  expect(report.issues).toEqual([]);
  const info = await t.client.invoke('project.info', {});
  expect(info.counts.images).toBe(report.imported);
  expect(info.counts.labelled).toBe(report.imported);
  expect(info.counts.classes).toBe(3);
  const groups = t.engine.ctx.project().db.prepare('SELECT count(DISTINCT group_id) FROM images').pluck().get() as number;
  expect(groups).toBeGreaterThan(3);
  expect(groups).toBeLessThan(20);
  await expect(t.client.invoke('demo.create', { dir: t.projectDir })).rejects.toMatchObject({ code: 'conflict' });
});
