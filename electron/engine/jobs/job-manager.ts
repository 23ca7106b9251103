import { randomUUID } from 'node:crypto';
import { EngineError, cancelled, notFound } from '../../../shared/contract/errors.ts';
import type { JobState } from '../../../shared/domain/job.ts';
import type { EventBus } from '../events.ts';

/** What a job's body gets: a way to report progress and to notice cancellation. */
export interface JobContext {
  readonly jobId: string;
  readonly signal: AbortSignal;
  /** Report progress; cheap to call often (events are throttled). `phase`: the step it counts within, for jobs with several. */
  progress(done: number, total: number | null, message?: string, phase?: string): void;
  /** Throws a `cancelled` EngineError when the user asked the job to stop. */
  throwIfCancelled(): void;
}

export type JobBody<R> = (ctx: JobContext) => Promise<R>;

/** Where finished jobs are recorded (the project's `jobs` table), when a project is open. */
export interface JobStore {
  started(job: JobState, params: unknown): void;
  finished(job: JobState): void;
}

interface Entry {
  state: JobState;
  controller: AbortController;
  done: Promise<JobState>;
}

const PROGRESS_INTERVAL_MS = 100;

/**
 * Runs long operations in the background. A handler calls `start` and returns the job id at once;
 * progress and the end reach clients as `job.progress` / `job.finished` events.
 */
export class JobManager {
  private readonly jobs = new Map<string, Entry>();

  constructor(
    private readonly events: EventBus,
    private readonly store: () => JobStore | null = () => null,
  ) {}

  start<R>(kind: string, params: unknown, body: JobBody<R>): string {
    const id = randomUUID();
    const controller = new AbortController();
    const state: JobState = {
      id,
      kind,
      status: 'running',
      done: 0,
      total: null,
      message: '',
      startedAt: new Date().toISOString(),
      finishedAt: null,
      result: null,
      error: null,
    };
    const store = this.store();
    store?.started(state, params);
    let lastEmit = 0;
    const ctx: JobContext = {
      jobId: id,
      signal: controller.signal,
      progress: (done, total, message, phase) => {
        state.done = done;
        state.total = total;
        if (message !== undefined) state.message = message;
        // A new phase is always sent: its first numbers must not be taken for the last phase's.
        const newPhase = phase !== state.phase;
        if (newPhase) state.phase = phase;
        const t = Date.now();
        if (newPhase || t - lastEmit >= PROGRESS_INTERVAL_MS || (total !== null && done >= total)) {
          lastEmit = t;
          this.events.emit('job.progress', { jobId: id, kind, done, total, message: state.message, ...(phase === undefined ? {} : { phase }) });
        }
      },
      throwIfCancelled: () => {
        if (controller.signal.aborted) throw cancelled();
      },
    };
    const done = Promise.resolve()
      .then(() => body(ctx))
      .then(
        (result) => {
          state.status = 'completed';
          state.result = result ?? null;
        },
        (e: unknown) => {
          const err = e instanceof EngineError ? e : new EngineError('internal', describe(e));
          state.status = err.code === 'cancelled' || controller.signal.aborted ? 'cancelled' : 'failed';
          state.error = { code: state.status === 'cancelled' ? 'cancelled' : err.code, message: err.message };
        },
      )
      .then(() => {
        state.finishedAt = new Date().toISOString();
        try {
          store?.finished(state);
        } finally {
          this.events.emit('job.finished', { ...state });
        }
        return { ...state };
      });
    this.jobs.set(id, { state, controller, done });
    return id;
  }

  get(id: string): JobState {
    return { ...this.entry(id).state };
  }

  list(): JobState[] {
    return [...this.jobs.values()].map((e) => ({ ...e.state })).reverse();
  }

  cancel(id: string): JobState {
    const entry = this.entry(id);
    if (entry.state.status === 'running') entry.controller.abort();
    return { ...entry.state };
  }

  wait(id: string): Promise<JobState> {
    return this.entry(id).done;
  }

  /** Cancel everything still running and wait for it to stop (engine shutdown, project close). */
  async cancelAll(): Promise<void> {
    const running = [...this.jobs.values()].filter((e) => e.state.status === 'running');
    running.forEach((e) => e.controller.abort());
    await Promise.all(running.map((e) => e.done));
  }

  private entry(id: string): Entry {
    const entry = this.jobs.get(id);
    if (!entry) throw notFound(`There is no job with id ${id}. It may belong to an earlier session of the app.`);
    return entry;
  }
}

function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** A promise that resolves after `ms`, or rejects with `cancelled` as soon as the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
