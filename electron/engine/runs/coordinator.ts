import { conflict } from '../../../shared/contract/errors.ts';
import type { EngineContext } from '../context.ts';
import type { LaunchOptions } from './launch.ts';
import { StepHistory } from './step-history.ts';
import { RunSupervisor } from './supervisor.ts';

interface LiveRun {
  jobId: string;
  /** Null for the moment between the job's creation and its body starting. */
  supervisor: RunSupervisor | null;
}

const coordinators = new WeakMap<EngineContext, RunCoordinator>();

/** The one coordinator of an engine (handlers, the CLI and tests share it). */
export function coordinatorFor(ctx: EngineContext): RunCoordinator {
  let c = coordinators.get(ctx);
  if (!c) coordinators.set(ctx, (c = new RunCoordinator(ctx)));
  return c;
}

/**
 * The engine side of training: each run's model host process is a job, supervised until it exits
 * (supervisor.ts records its reports and its end). The engine keeps serving whatever the host does.
 */
export class RunCoordinator {
  private readonly live = new Map<number, LiveRun>();
  /** Step losses of the runs trained here, for `runs.get` after a window reloads. */
  readonly steps = new StepHistory();
  /** LR range tests have no run row; they get negative ids of their own. */
  private nextLrFind = -1;

  constructor(private readonly ctx: EngineContext) {}

  jobOf(runId: number): string | null {
    return this.live.get(runId)?.jobId ?? null;
  }

  /** Process id of a run's model host (tests kill it). */
  pid(runId: number): number | undefined {
    return this.live.get(runId)?.supervisor?.host.pid;
  }

  isLive(runId: number): boolean {
    return this.live.has(runId);
  }

  launch(opts: LaunchOptions): string {
    const project = this.ctx.project();
    const id = opts.mode === 'lr-find' ? this.nextLrFind-- : opts.runId;
    if (this.live.has(id)) throw conflict(`Run ${id} is already training.`);
    const kind = opts.mode === 'lr-find' ? 'lr-find' : 'train';
    const live: LiveRun = { jobId: '', supervisor: null };
    live.jobId = this.ctx.jobs.start(kind, { runId: opts.runId, backbone: opts.config.backbone }, async (job) => {
      const onStep = kind === 'train' ? this.steps.recorder(project.dir, id) : undefined;
      live.supervisor = new RunSupervisor(project, this.ctx.events, id, opts, job, onStep);
      try {
        return await live.supervisor.run();
      } finally {
        this.live.delete(id);
      }
    });
    // Registered before the job body runs, so a run is never seen as 'queued' but not live.
    this.live.set(id, live);
    return live.jobId;
  }

  pause(runId: number): void {
    const run = this.live.get(runId)?.supervisor;
    if (!run) throw conflict(`Run ${runId} is not training in this session, so it cannot be paused.`);
    run.control('pause');
  }

  /** Continue a live paused run and return its job; null when no process is alive (the caller relaunches). */
  resumeLive(runId: number): string | null {
    const run = this.live.get(runId);
    if (!run) return null;
    if (!run.supervisor?.paused) throw conflict(`Run ${runId} is already running.`);
    run.supervisor.control('resume');
    return run.jobId;
  }

  cancel(runId: number): boolean {
    const run = this.live.get(runId);
    if (!run) return false;
    this.ctx.jobs.cancel(run.jobId);
    return true;
  }
}
