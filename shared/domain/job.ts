export const JOB_STATUSES = ['running', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** A long operation (import, training, export): started by a handler, reported by events. */
export interface JobState {
  id: string;
  kind: string;
  status: JobStatus;
  /** Units done so far and in all (total null when not known yet). */
  done: number;
  total: number | null;
  message: string;
  /** The step of a job with several ("Reading images", "Training"): done/total count within it. */
  phase?: string;
  startedAt: string;
  finishedAt: string | null;
  /** JSON-safe result of a completed job. */
  result: unknown;
  /** Set when status is failed or cancelled. */
  error: { code: string; message: string } | null;
}

/** The handle a handler returns when it starts a job. */
export interface JobRef {
  jobId: string;
}
