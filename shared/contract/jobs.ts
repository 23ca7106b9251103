import type { JobRef, JobState } from '../domain/job.ts';

export interface JobHandlers {
  /** Every job of this engine session, newest first. */
  'job.list': (a: Record<string, never>) => Promise<JobState[]>;
  /** One job's state. */
  'job.get': (a: { jobId: string }) => Promise<JobState>;
  /** Ask a running job to stop; it ends with status `cancelled`. */
  'job.cancel': (a: { jobId: string }) => Promise<JobState>;
  /** Wait until a job has ended and return its final state. */
  'job.wait': (a: { jobId: string }) => Promise<JobState>;
  /** A diagnostic job that counts to `to`, one step every `intervalMs`: proves progress and cancel end to end. */
  'job.count': (a: { to: number; intervalMs?: number }) => Promise<JobRef>;
}

export interface JobProgressEvent {
  jobId: string;
  kind: string;
  done: number;
  total: number | null;
  message: string;
  /** The step of a job with several, when it has steps: done/total count within it. */
  phase?: string;
}

export interface JobEvents {
  /** A running job advanced. */
  'job.progress': JobProgressEvent;
  /** A job ended (completed, failed or cancelled). */
  'job.finished': JobState;
}
