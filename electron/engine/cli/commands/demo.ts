import { createDemoProject } from '../../datasets/demo/create-demo-project.ts';
import { type Command, UsageError, numberOption, shellPath } from '../command.ts';
import { reportProgress } from '../progress.ts';
import { formatImportReport } from './import.ts';

export const demoCommand: Command = {
  name: 'demo',
  usage: 'demo <dir> [--images N] [--seed S]',
  summary: 'Create a sample project of synthetic chest X-rays (normal / opacity / effusion, grouped by patient).',
  options: { images: { type: 'string' }, seed: { type: 'string' } },
  minPositionals: 1,
  maxPositionals: 1,
  async run({ positionals, values, client, json, out }) {
    const images = numberOption(values, 'images');
    const seed = numberOption(values, 'seed');
    if (images !== undefined && (!Number.isInteger(images) || images < 1 || images > 100_000)) {
      throw new UsageError('--images must be a whole number between 1 and 100000');
    }
    if (seed !== undefined && !Number.isInteger(seed)) throw new UsageError('--seed must be a whole number');
    let stop = () => {};
    const demo = await createDemoProject(shellPath(positionals[0]), {
      client,
      images,
      seed,
      onImportStarted: (jobId) => (stop = reportProgress(client, jobId)),
    }).finally(() => stop());
    if (!json) out(`Created "${demo.project.name}" in ${demo.project.dir}\n${formatImportReport(demo.report)}`);
    return { project: demo.project, report: demo.report };
  },
};
