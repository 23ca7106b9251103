import { EngineError, isErrorCode } from '../../../../shared/contract/errors.ts';
import type { JobState } from '../../../../shared/domain/job.ts';

export type ToastKind = 'error' | 'info';

export interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
  /** The project (folder) open when it was said; null: said outside any project. */
  scope: string | null;
}

/**
 * Messages shown in the corner. Errors stay until dismissed (the user may need to read the file
 * name), but only while their project is open: another project's errors are not about this one.
 */
export class ToastState {
  items = $state<Toast[]>([]);
  private nextId = 1;
  private scope: string | null = null;

  constructor(private readonly infoMs = 4000) {}

  push(kind: ToastKind, message: string): number {
    const id = this.nextId++;
    this.items.push({ id, kind, message, scope: this.scope });
    if (kind === 'info') setTimeout(() => this.dismiss(id), this.infoMs);
    return id;
  }

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }

  dismissAll(): void {
    this.items = [];
  }

  /** The open project changed (its folder, or null when none is open): drop what was said about another one. */
  setScope(dir: string | null): void {
    if (dir === this.scope) return;
    this.scope = dir;
    this.items = this.items.filter((t) => t.scope === null || t.scope === dir);
  }
}

/** The app's toasts (components and state classes report into this one). */
export const toasts = new ToastState();

/** The one place an error becomes visible: the engine's own message, or the error's text. */
export function handleError(e: unknown, target: ToastState = toasts): void {
  const message = e instanceof EngineError || e instanceof Error ? e.message : String(e);
  // A cancelled job is the user's own doing: say so calmly instead of alarming them.
  if (e instanceof EngineError && e.code === 'cancelled') target.push('info', message);
  else target.push('error', message);
  if (!(e instanceof EngineError)) console.error(e);
}

/** How a finished job reaches the user wherever they are: failures as errors, the rest as notes. */
export function reportFinishedJob(job: JobState, target: ToastState = toasts): void {
  if (job.status === 'failed' && job.error) {
    const code = isErrorCode(job.error.code) ? job.error.code : 'internal';
    handleError(new EngineError(code, job.error.message), target);
  } else if (job.status === 'cancelled') {
    target.push('info', `${job.kind}: cancelled${job.message ? ` (${job.message})` : ''}.`);
  } else if (job.status === 'completed') {
    target.push('info', `${job.kind}: finished${job.message ? ` (${job.message})` : ''}.`);
  }
}
