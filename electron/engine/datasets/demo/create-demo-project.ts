import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImportReport } from '../../../../shared/contract/datasets.ts';
import { EngineError } from '../../../../shared/contract/errors.ts';
import type { EngineClient } from '../../../../shared/contract/index.ts';
import type { ProjectInfo } from '../../../../shared/domain/project.ts';
import { type DemoDataset, type DemoOptions, generateDemoImages } from './generate.ts';

export interface DemoProjectOptions extends DemoOptions {
  client: EngineClient;
  name?: string;
  /** Called with the import job's id as soon as it starts (progress display). */
  onImportStarted?: (jobId: string) => void;
}

export interface DemoProject {
  project: ProjectInfo;
  report: ImportReport;
  dataset: DemoDataset;
}

/**
 * Create a project in `dir` holding the synthetic chest X-rays, labelled and grouped by patient,
 * through the same import job a user runs. The images are copied into the project, so it is
 * self-contained and the generated folder is removed afterwards.
 */
export async function createDemoProject(dir: string, opts: DemoProjectOptions): Promise<DemoProject> {
  const { client } = opts;
  const staging = mkdtempSync(join(tmpdir(), 'labeltune-demo-'));
  try {
    // Generated before the project exists: a generator that fails leaves nothing behind.
    const dataset = generateDemoImages(staging, opts);
    const existed = existsSync(dir);
    await client.invoke('project.create', { dir, name: opts.name ?? 'Sample chest X-rays' });
    try {
      const { jobId } = await client.invoke('import.start', { paths: [], csv: dataset.csv, copy: true });
      opts.onImportStarted?.(jobId);
      const job = await client.invoke('job.wait', { jobId });
      if (job.status !== 'completed') {
        throw new EngineError('internal', `Importing the sample images failed: ${job.error?.message ?? job.status}. The half-made project was removed.`);
      }
      const report = await client.invoke('import.report', { jobId });
      const project = await client.invoke('project.info', {});
      return { project, report, dataset };
    } catch (e) {
      await client.invoke('project.close', {});
      removeProject(dir, existed);
      throw e;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Undo project.create: the folder it made, or (an empty folder the user gave) what it put inside. */
function removeProject(dir: string, keepFolder: boolean): void {
  if (!keepFolder) return rmSync(dir, { recursive: true, force: true });
  for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true });
}
