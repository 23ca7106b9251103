import { EXPORT_FORMATS, type ExportFormat, type ExportInfo } from '../../../../shared/domain/export.ts';
import { EngineError } from '../../../../shared/contract/errors.ts';
import { type Command, UsageError, numberOption, shellPath } from '../command.ts';
import { reportProgress } from '../progress.ts';

export const exportCommand: Command = {
  name: 'export',
  usage: 'export <project> --run ID --format tfjs|onnx|safetensors [--out DIR] [--checkpoint best|last]',
  summary: 'Export a run\'s model with preprocessing.json and a model card, checking parity on held-out images.',
  options: { run: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }, checkpoint: { type: 'string' } },
  minPositionals: 1,
  maxPositionals: 1,
  async run({ positionals, values, client, json, out }) {
    const runId = numberOption(values, 'run');
    if (runId === undefined || !Number.isInteger(runId) || runId < 1) throw new UsageError('--run ID is required (a run number, see "labeltune train")');
    const format = values.format as ExportFormat | undefined;
    if (!format || !EXPORT_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}`);
    const checkpoint = values.checkpoint as 'best' | 'last' | undefined;
    if (checkpoint !== undefined && checkpoint !== 'best' && checkpoint !== 'last') throw new UsageError('--checkpoint must be best or last');
    await client.invoke('project.open', { dir: shellPath(positionals[0]) });
    const { jobId } = await client.invoke('exports.start', { runId, format, outDir: values.out === undefined ? undefined : shellPath(values.out as string), checkpoint });
    const stop = reportProgress(client, jobId);
    const job = await client.invoke('job.wait', { jobId });
    stop();
    if (job.error) throw new EngineError(job.error.code as never, job.error.message);
    const info = job.result as ExportInfo;
    if (!json) out(formatExport(info));
    return info;
  },
};

export function formatExport(e: ExportInfo): string {
  const parity = e.parity
    ? `${e.parity.ok ? 'ok' : 'FLAGGED'}: max relative error ${e.parity.maxRelError.toExponential(2)} on ${e.parity.images} held-out images (${e.parity.runtime})`
    : 'not checked (no held-out images)';
  return [`Exported run ${e.runId} as ${e.format} to ${e.path}`, `Files    ${e.files.join(', ')}`, `Parity   ${parity}`].join('\n');
}
