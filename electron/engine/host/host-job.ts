import { cancelled } from '../../../shared/contract/errors.ts';
import type { HostArgs, HostEvent, HostMethod, HostResult } from '../../../shared/contract/model-host.ts';
import type { JobContext } from '../jobs/job-manager.ts';
import { ModelHost } from './host-process.ts';

/** How long a cancelled host may take to stop at a safe point before it is killed. */
const CANCEL_GRACE_MS = 5000;

export interface HostJobOptions<M extends HostMethod> {
  /** The engine job it serves: its progress gets the host's `work` events, its cancel reaches the host. */
  job?: JobContext;
  /** What the job is, for a crash's message: "evaluation", "export" ... */
  what: string;
  outOfMemory?: string;
  onEvent?: (event: HostEvent<M>) => void;
}

/**
 * One request on a model host of its own, started for it and closed after: a crash fails this
 * request only, with how the host died (see ModelHost).
 */
export async function onHost<M extends HostMethod>(method: M, args: HostArgs<M>, opts: HostJobOptions<M>): Promise<HostResult<M>> {
  const { job } = opts;
  job?.throwIfCancelled(); // cancelled before it started: no host at all
  const host = new ModelHost();
  const { id, done } = host.request(method, args, {
    what: opts.what,
    outOfMemory: opts.outOfMemory,
    onEvent: (e) => {
      const w = e as { type?: string; done?: number; total?: number; message?: string };
      if (w.type === 'work') job?.progress(w.done!, w.total!, w.message);
      opts.onEvent?.(e);
    },
  });
  const onAbort = () => {
    host.cancel(id);
    setTimeout(() => host.kill('SIGKILL'), CANCEL_GRACE_MS).unref();
  };
  job?.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const result = await done;
    // Cancelled while the host finished anyway: the job still ends as cancelled, as asked.
    job?.throwIfCancelled();
    return result;
  } catch (e) {
    if (job?.signal.aborted) throw cancelled();
    throw e;
  } finally {
    job?.signal.removeEventListener('abort', onAbort);
    host.close();
  }
}
