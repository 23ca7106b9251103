import { EngineError } from '../../../../shared/contract/errors.ts';

export type ToastKind = 'error' | 'info';

export interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
}

/** Messages shown in the corner. Errors stay until dismissed: the user may need to read the file name. */
export class ToastState {
  items = $state<Toast[]>([]);
  private nextId = 1;

  constructor(private readonly infoMs = 4000) {}

  push(kind: ToastKind, message: string): number {
    const id = this.nextId++;
    this.items.push({ id, kind, message });
    if (kind === 'info') setTimeout(() => this.dismiss(id), this.infoMs);
    return id;
  }

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
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
