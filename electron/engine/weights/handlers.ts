import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { conflict } from '../../../shared/contract/errors.ts';
import type { WeightsDownloadResult, WeightsEntry, WeightsHandlers } from '../../../shared/contract/weights.ts';
import { type PretrainedConfig, listPretrained, pretrainedConfig } from '../../../shared/architectures/index.ts';
import { WeightCache } from '../../weights/cache.ts';
import { downloadWeights, weightsUrl } from '../../weights/download.ts';
import { type WeightsCheck, importWeightsFile } from '../../weights/import-weights.ts';
import type { EngineContext } from '../context.ts';
import { type Implementation, noArgs, nonEmpty } from '../handler.ts';
import { onHost } from '../host/host-job.ts';

/** The tensors' names and shapes are the architecture's layout, which only the ML library knows: the model host checks (no TensorFlow loaded for it). */
const checkOnHost: WeightsCheck = async (path, arch) => {
  await onHost('checkWeights', { path, arch }, { what: 'weights check' });
};

/** The pretrained catalog and the per-user weight cache (`<LabelTune home>/weights`). */
export function weightsHandlers(ctx: EngineContext): Implementation<WeightsHandlers> {
  const cache = WeightCache.forHome(ctx.homeDir);
  // Two jobs appending to the same .part file would corrupt it: one download per arch at a time.
  const running = new Map<string, string>();
  return {
    'weights.list': { schema: noArgs, run: () => listPretrained().map((cfg) => describeEntry(cfg, cache, running)) },
    'weights.download': {
      schema: z.object({ arch: nonEmpty('arch'), endpoint: z.url().optional() }).strict(),
      run: ({ arch, endpoint }) => {
        const cfg = pretrainedConfig(arch); // fail now, not in the job, on an unknown name
        const busy = running.get(arch);
        if (busy) throw conflict(`${arch} is already being downloaded (job ${busy}). Wait for that job or cancel it first.`);
        const jobId = ctx.jobs.start('weights.download', { arch, endpoint }, async (job) => {
          job.progress(0, null, `Downloading ${cfg.weights.repo}`);
          const r = await downloadWeights({
            repo: cfg.weights.repo,
            file: cfg.weights.file,
            cache,
            arch,
            endpoint,
            expectedSha256: cfg.weights.sha256,
            signal: job.signal,
            onProgress: (done, total) => job.progress(done, total, `Downloading ${cfg.weights.repo} (${megabytes(done)} MB)`),
          });
          const result: WeightsDownloadResult = { ...describeEntry(cfg, cache, running, endpoint), downloadJob: null, alreadyCached: r.cached, resumed: r.resumed };
          return result;
        });
        running.set(arch, jobId);
        void ctx.jobs.wait(jobId).finally(() => running.delete(arch));
        return { jobId };
      },
    },
    'weights.import': {
      schema: z.object({ path: nonEmpty('path'), arch: nonEmpty('arch') }).strict(),
      run: async ({ path, arch }) => {
        const busy = running.get(arch);
        if (busy) throw conflict(`${arch} is being downloaded (job ${busy}). Cancel that job before importing a file for it.`);
        const r = await importWeightsFile(isAbsolute(path) ? path : resolve(path), arch, cache, checkOnHost);
        return { ...describeEntry(pretrainedConfig(arch), cache, running), matchesCatalog: r.matchesCatalog };
      },
    },
  };
}

function describeEntry(cfg: PretrainedConfig, cache: WeightCache, running: ReadonlyMap<string, string>, endpoint?: string): WeightsEntry {
  const hit = cache.get(cfg.weights.repo, cfg.weights.file);
  return {
    arch: cfg.arch,
    family: cfg.family,
    repo: cfg.weights.repo,
    file: cfg.weights.file,
    url: weightsUrl(cfg.weights.repo, cfg.weights.file, endpoint),
    paramsMillions: cfg.paramsMillions,
    gflops: cfg.gflops,
    featureDim: cfg.featureDim,
    inputSize: cfg.inputSize,
    expectedSha256: cfg.weights.sha256,
    cached: hit !== null,
    sha256: hit?.sha256 ?? null,
    size: hit?.size ?? null,
    source: hit?.source ?? null,
    path: hit ? cache.pathFor(cfg.weights.repo, cfg.weights.file) : null,
    downloadJob: running.get(cfg.arch) ?? null,
  };
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}
