import type { EngineClient } from '../../../../shared/contract/index.ts';
import type { JobProgressEvent } from '../../../../shared/contract/jobs.ts';
import type { JobState } from '../../../../shared/domain/job.ts';
import { progressLabel } from '../../components/weights/weights-format.ts';
import { followJobs } from './job-events.ts';

/** Jobs of this engine session, newest first, kept current by `job.progress` and `job.finished`. */
export class JobsState {
  jobs = $state<JobState[]>([]);
  readonly running = $derived(this.jobs.filter((j) => j.status === 'running'));

  constructor(
    private readonly client: EngineClient,
    private readonly onError: (e: unknown) => void,
    /** Called once when a job this session saw running ends (not for jobs loaded already finished). */
    private readonly onFinished: (job: JobState) => void = () => {},
  ) {}

  start(): () => void {
    const stop = followJobs(this.client, (p) => this.progress(p), (j) => this.finished(j));
    void this.load();
    return stop;
  }

  async load(): Promise<void> {
    try {
      this.jobs = await this.client.invoke('job.list', {});
    } catch (e) {
      this.onError(e);
    }
  }

  async cancel(jobId: string): Promise<void> {
    try {
      this.upsert(await this.client.invoke('job.cancel', { jobId }));
    } catch (e) {
      this.onError(e);
    }
  }

  private progress(p: JobProgressEvent): void {
    const job = this.jobs.find((j) => j.id === p.jobId);
    if (job) {
      // A late progress event must not resurrect a job that already ended.
      if (job.status !== 'running') return;
      Object.assign(job, { done: p.done, total: p.total, message: p.message, phase: p.phase });
      return;
    }
    this.jobs.unshift({
      id: p.jobId,
      kind: p.kind,
      status: 'running',
      done: p.done,
      total: p.total,
      message: p.message,
      phase: p.phase,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      result: null,
      error: null,
    });
  }

  private finished(state: JobState): void {
    const before = this.jobs.find((j) => j.id === state.id);
    this.upsert(state);
    if (!before || before.status === 'running') this.onFinished(state);
  }

  private upsert(state: JobState): void {
    const i = this.jobs.findIndex((j) => j.id === state.id);
    if (i >= 0) this.jobs[i] = state;
    else this.jobs.unshift(state);
  }
}

/** 0..1, or null when the total is not known yet (indeterminate bar). */
export function fraction(job: Pick<JobState, 'done' | 'total'>): number | null {
  if (job.total === null || job.total <= 0) return null;
  return Math.min(1, Math.max(0, job.done / job.total));
}

/** Job kinds whose done/total count bytes: shown as "12.3 MB of 45.0 MB (27%)", not raw numbers. */
const BYTE_JOBS = new Set(['weights.download']);

/**
 * The amount a running job has done, as the tray shows it. Within a phase the count is that
 * phase's ("Reading images 160 / 160"), never a share of the whole job: a run that has read all its
 * images has not done 100% of its work.
 */
export function amountLabel(job: Pick<JobState, 'kind' | 'done' | 'total' | 'phase'>): string {
  if (BYTE_JOBS.has(job.kind)) return progressLabel(job.done, job.total);
  const share = fraction(job);
  if (job.phase) return share === null ? `${job.phase}: ${job.done}` : `${job.phase}: ${job.done} / ${job.total}`;
  return share === null ? `${job.done} done` : `${job.done} / ${job.total} (${Math.round(share * 100)}%)`;
}
