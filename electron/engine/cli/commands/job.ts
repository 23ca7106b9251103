import { exportJob } from '../../scale-out/job-export.ts';
import { importJob } from '../../scale-out/job-import.ts';
import { type Command, UsageError, shellPath } from '../command.ts';
import { RUN_OPTIONS, runOptions, runSummary } from './train.ts';

/**
 * `job export`: the run `labeltune train` would start, written as a folder that plain PyTorch runs
 * (torchrun / SLURM / Ray); `job import`: the trained result back as a completed run.
 */
export const jobCommand: Command = {
  name: 'job',
  usage: 'job export <project> --out DIR [--copy] [train options: --backbone NAME --strategy S --epochs N ...] | job import <project> DIR',
  summary: 'Train elsewhere: write a PyTorch job folder (train.py, manifest, config, weights) for torchrun, SLURM or Ray, and import its result as a run.',
  options: { ...RUN_OPTIONS, out: { type: 'string' }, copy: { type: 'boolean' } },
  minPositionals: 2,
  maxPositionals: 3,
  async run(ctx) {
    const [action, project, dir] = ctx.positionals;
    if (action === 'export') return exportAction(ctx, project, dir);
    if (action === 'import') return importAction(ctx, project, dir);
    throw new UsageError(`"job ${action}": the actions are export and import`);
  },
};

async function exportAction({ values, client, engine, json, out, err }: Parameters<Command['run']>[0], project: string, extra: string | undefined) {
  if (extra !== undefined) throw new UsageError('job export takes the project only; the folder goes in --out DIR');
  if (typeof values.out !== 'string' || !values.out) throw new UsageError('--out DIR is required: the new (or empty) folder the job is written to');
  if (values.backend !== undefined) throw new UsageError('--backend picks an engine of this app; a job runs on PyTorch wherever it is sent');
  // The LR range test runs inside the app's trainer, so a job uses the rule's rates (or --lr).
  const opts = { ...runOptions(values), lrSearch: false };
  await client.invoke('project.open', { dir: shellPath(project) });
  const plan = await client.invoke('runs.plan', opts);
  const p = engine.ctx.project();
  const result = await exportJob(p.db, p.dir, plan, shellPath(values.out), { copy: values.copy === true });
  if (!json) {
    err(`Strategy  ${plan.strategy}: ${plan.reason}`);
    out(`Wrote ${result.dir}: ${result.trainImages} train and ${result.valImages} validation images, ${plan.config.backbone} ${plan.config.strategy}, ${plan.config.epochs} epochs, seed ${plan.config.seed}.`);
    out(`Run it with "python3 train.py" or "torchrun --nproc_per_node N train.py" there (see its README.md), then "labeltune job import ${project} ${values.out}".`);
  }
  return { dir: result.dir, files: result.files, trainImages: result.trainImages, valImages: result.valImages, learningRates: plan.learningRates, config: result.config };
}

async function importAction({ client, engine, json, out }: Parameters<Command['run']>[0], project: string, dir: string | undefined) {
  if (!dir) throw new UsageError('job import needs the job folder: job import <project> DIR');
  await client.invoke('project.open', { dir: shellPath(project) });
  const p = engine.ctx.project();
  const { runId } = await importJob(p.db, p.dir, shellPath(dir));
  const run = await client.invoke('runs.get', { runId });
  if (!json) {
    for (const m of run.metrics) out(`epoch ${m.epoch}  train loss ${m.trainLoss?.toFixed(4)}  val loss ${m.valLoss?.toFixed(4)}  val acc ${((m.valAccuracy ?? 0) * 100).toFixed(1)}%`);
    out(`Imported as run ${run.id} (trained on PyTorch); best epoch ${run.bestEpoch}. "labeltune eval ${project} --run ${run.id}" evaluates it.`);
  }
  return runSummary(run, null);
}
