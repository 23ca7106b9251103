import type { WeightsEntry } from '../../../../shared/contract/weights.ts';
import type { JobState } from '../../../../shared/domain/job.ts';

/** A catalog entry as `weights.list` answers it: not downloaded unless `o` says otherwise. */
export function weightsEntry(arch: string, o: Partial<WeightsEntry> = {}): WeightsEntry {
  const vit = arch.startsWith('vit');
  const repo = `timm/${arch}.${vit ? 'augreg_in21k_ft_in1k' : 'a1_in1k'}`;
  return {
    arch, family: vit ? 'vit' : 'resnet', repo, file: 'model.safetensors', url: `https://huggingface.co/${repo}/resolve/main/model.safetensors`,
    paramsMillions: vit ? 5.72 : 11.69, gflops: vit ? 1.26 : 1.82, featureDim: vit ? 192 : 512, inputSize: 224, expectedSha256: null,
    cached: false, sha256: null, size: null, source: null, path: null, downloadJob: null, ...o,
  };
}

/** What a finished job looks like in `job.finished` / `job.get`. */
export function finishedJob(id: string, o: Partial<JobState>): JobState {
  return {
    id, kind: 'weights.download', status: 'completed', done: 0, total: null, message: '',
    startedAt: '2026-12-06T10:00:00.000Z', finishedAt: '2026-12-06T10:00:05.000Z', result: null, error: null, ...o,
  };
}

export const SHA = 'ab12cd34ef56'.padEnd(64, '0');
