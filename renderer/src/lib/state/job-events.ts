import type { EngineClient } from '../../../../shared/contract/index.ts';
import type { JobProgressEvent } from '../../../../shared/contract/jobs.ts';
import type { JobState } from '../../../../shared/domain/job.ts';

/** Follow every job's progress and end; returns the function that stops following. */
export function followJobs(client: EngineClient, onProgress: (event: JobProgressEvent) => void, onFinished: (job: JobState) => void): () => void {
  const offProgress = client.on('job.progress', onProgress);
  const offFinished = client.on('job.finished', onFinished);
  return () => {
    offProgress();
    offFinished();
  };
}
