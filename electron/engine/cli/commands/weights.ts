import { EngineError } from '../../../../shared/contract/errors.ts';
import type { WeightsDownloadResult, WeightsEntry } from '../../../../shared/contract/weights.ts';
import { type Command, type CommandContext, UsageError } from '../command.ts';
import { reportProgress } from '../progress.ts';

export const weightsCommand: Command = {
  name: 'weights',
  usage: 'weights list | download <arch> [--endpoint URL] | import <file> --arch <arch>',
  summary: 'Pretrained weights: list the catalog and the local cache, download from Hugging Face, or import a .safetensors file (offline).',
  options: { arch: { type: 'string' }, endpoint: { type: 'string' } },
  minPositionals: 1,
  maxPositionals: 2,
  async run(ctx) {
    const [action, arg] = ctx.positionals;
    if (action === 'list' && arg === undefined) return list(ctx);
    if (action === 'download' && arg !== undefined) return download(ctx, arg);
    if (action === 'import' && arg !== undefined) return importFile(ctx, arg);
    throw new UsageError(`unknown or incomplete action "${ctx.positionals.join(' ')}"`);
  },
};

async function list({ client, json, out }: CommandContext): Promise<WeightsEntry[]> {
  const entries = await client.invoke('weights.list', {});
  if (!json) out(formatList(entries));
  return entries;
}

async function download({ client, values, json, out }: CommandContext, arch: string): Promise<WeightsDownloadResult> {
  const endpoint = values.endpoint as string | undefined;
  const { jobId } = await client.invoke('weights.download', { arch, endpoint });
  const stop = reportProgress(client, jobId);
  const job = await client.invoke('job.wait', { jobId }).finally(stop);
  if (job.status !== 'completed') {
    throw job.error ? new EngineError(job.error.code as EngineError['code'], job.error.message) : new EngineError('internal', `Download ${job.status}.`);
  }
  const r = job.result as WeightsDownloadResult;
  if (!json) out(`${r.alreadyCached ? 'Already cached' : 'Downloaded'} ${r.repo}/${r.file}\n  ${r.path}\n  sha256 ${r.sha256}`);
  return r;
}

async function importFile({ client, values, json, out }: CommandContext, path: string) {
  const arch = values.arch;
  if (typeof arch !== 'string') throw new UsageError('import needs --arch <timm name> (see "labeltune weights list")');
  const r = await client.invoke('weights.import', { path, arch });
  if (!json) out(`Imported ${path} as ${arch}\n  ${r.path}\n  sha256 ${r.sha256}`);
  return r;
}

export function formatList(entries: WeightsEntry[]): string {
  const width = Math.max(...entries.map((e) => e.arch.length));
  return entries
    .map((e) => {
      const state = e.cached ? `cached (${e.source}, ${((e.size ?? 0) / 1e6).toFixed(1)} MB, sha256 ${e.sha256?.slice(0, 12)}...)` : 'not downloaded';
      return `${e.arch.padEnd(width)}  ${`${e.paramsMillions}M`.padStart(7)}  ${e.repo}  ${state}`;
    })
    .join('\n');
}
