import { EngineError } from '../../../../shared/contract/errors.ts';
import type { EvalSplit, EvaluationMetrics, Interval, OperatingPointFigures, OperatingPointResult } from '../../../../shared/domain/evaluation.ts';
import { EXACT_MATCH_NAME, accuracyName } from '../../../../shared/metric-names.ts';
import { type Command, UsageError, numberOption, shellPath } from '../command.ts';
import { reportProgress } from '../progress.ts';

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
const ci = (i: Interval | null, f: (x: number) => string) => (i ? ` [${f(i.low)}–${f(i.high)}]` : '');
const capital = (s: string) => s[0].toUpperCase() + s.slice(1);
const num = (x: number | null, digits = 3) => (x === null ? '—' : x.toFixed(digits));

/** A readable summary of an evaluation for the terminal. */
export function describeEvaluation(m: EvaluationMetrics): string {
  const lines = [
    `Run ${m.runId}${m.checkpoint ? ` (${m.checkpoint.which} checkpoint, epoch ${m.checkpoint.epoch})` : ''} on the ${m.split === 'test' ? 'test' : 'validation'} split: ${m.images} images, ${m.classes.length} classes${m.multiLabel ? ' (multi-label)' : ''}`,
    `${capital(accuracyName(m.multiLabel))} ${pct(m.accuracy)}${m.exactMatchAccuracy === null ? '' : `   ${EXACT_MATCH_NAME} ${pct(m.exactMatchAccuracy)}`}` +
      `${m.balancedAccuracy === null ? '' : `   balanced accuracy ${pct(m.balancedAccuracy)}`}   ECE ${num(m.calibration.ece)}`,
  ];
  if (m.macro && m.weighted) {
    lines.push(`Macro P/R/F1 ${num(m.macro.precision)} ${num(m.macro.recall)} ${num(m.macro.f1)}   weighted ${num(m.weighted.precision)} ${num(m.weighted.recall)} ${num(m.weighted.f1)}`);
  }
  const width = Math.max(5, ...m.classes.map((c) => c.length));
  lines.push('', `${'class'.padEnd(width)}  support  precision  recall  F1     AUC [95% CI]          AP     sensitivity [95% CI]     specificity [95% CI]`);
  for (const c of m.perClass) {
    const auc = c.auc === null ? '—' : `${num(c.auc)}${ci(c.aucInterval, (x) => x.toFixed(3))}`;
    lines.push(
      `${c.name.padEnd(width)}  ${String(c.support).padStart(7)}  ${num(c.precision).padStart(9)}  ${num(c.recall).padStart(6)}  ${num(c.f1)}  ${auc.padEnd(20)}  ${num(c.averagePrecision).padEnd(5)}  ` +
        `${(pct(c.sensitivity) + ci(c.sensitivityInterval, pct)).padEnd(23)}  ${pct(c.specificity)}${ci(c.specificityInterval, pct)}`,
    );
  }
  if (m.confusion) {
    lines.push('', 'Confusion matrix (rows: true class, columns: predicted)');
    lines.push(`${''.padEnd(width)}  ${m.classes.map((c) => c.slice(0, 8).padStart(8)).join(' ')}`);
    m.confusion.forEach((row, i) => lines.push(`${m.classes[i].padEnd(width)}  ${row.map((v) => String(v).padStart(8)).join(' ')}`));
  }
  lines.push('', `${m.misclassified.length} misclassified image(s)${m.misclassified.length ? `: ${m.misclassified.slice(0, 20).map((x) => x.imageId).join(', ')}${m.misclassified.length > 20 ? ' …' : ''}` : ''}`);
  return lines.join('\n');
}

const splitName = (s: EvalSplit) => (s === 'test' ? 'test' : 'validation');
const figures = (f: OperatingPointFigures) =>
  `sensitivity ${pct(f.sensitivity)}${ci(f.sensitivityInterval, pct)}, specificity ${pct(f.specificity)}${ci(f.specificityInterval, pct)} on the ${splitName(f.split)} split (${f.images} images)`;

/** The operating point with the split each number comes from: chosen on one, reported on the other. */
export function describeOperatingPoint(op: OperatingPointResult): string {
  const lines = [`Operating point for "${op.className}" at sensitivity ≥ ${pct(op.targetSensitivity)}: threshold ${num(op.threshold, 4)}`];
  if (op.sameSplit) lines.push(`  Chosen and reported on the same split (optimistic): ${figures(op.reported)}`);
  else lines.push(`  Reported: ${figures(op.reported)}`, `  Chosen on: ${figures(op.chosen)}`);
  lines.push(`  ${op.note}`);
  return lines.join('\n');
}

export const evalCommand: Command = {
  name: 'eval',
  usage: 'eval <project> --run ID [--checkpoint best|last] [--split test|val] [--class NAME --sensitivity X]',
  summary: 'Evaluate a run (its best checkpoint, or the last) on the test (or validation) split: accuracy, per-class metrics with intervals, ROC/PR, calibration.',
  options: { run: { type: 'string' }, checkpoint: { type: 'string' }, split: { type: 'string' }, class: { type: 'string' }, sensitivity: { type: 'string' } },
  minPositionals: 1,
  maxPositionals: 1,
  async run({ positionals, values, client, json, out }) {
    const runId = numberOption(values, 'run');
    if (runId === undefined || !Number.isInteger(runId) || runId < 1) throw new UsageError('--run ID is required (a run number, see "labeltune info")');
    const split = (values.split as string | undefined) ?? 'test';
    if (split !== 'test' && split !== 'val') throw new UsageError(`--split must be test or val; got "${split}"`);
    const checkpoint = (values.checkpoint as string | undefined) ?? 'best';
    if (checkpoint !== 'best' && checkpoint !== 'last') throw new UsageError(`--checkpoint must be best or last; got "${checkpoint}"`);
    const sensitivity = numberOption(values, 'sensitivity');
    const className = values.class as string | undefined;
    if ((sensitivity === undefined) !== (className === undefined)) throw new UsageError('give --class NAME and --sensitivity X together (e.g. --class effusion --sensitivity 0.9)');
    await client.invoke('project.open', { dir: shellPath(positionals[0]) });
    const { jobId } = await client.invoke('eval.run', { runId, split, checkpoint });
    const stop = reportProgress(client, jobId);
    const job = await client.invoke('job.wait', { jobId }).finally(stop);
    if (job.status !== 'completed') throw new EngineError((job.error?.code as never) ?? 'internal', `Evaluation of run ${runId} ${job.status}: ${job.error?.message ?? ''}`);
    const metrics = job.result as EvaluationMetrics;
    const operatingPoint = className && sensitivity !== undefined ? await client.invoke('eval.threshold', { runId, className, targetSensitivity: sensitivity }) : null;
    if (!json) {
      out(describeEvaluation(metrics));
      if (operatingPoint) out(`\n${describeOperatingPoint(operatingPoint)}`);
    }
    return operatingPoint ? { ...metrics, operatingPoint } : metrics;
  },
};
