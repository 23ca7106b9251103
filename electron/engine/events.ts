import type { EventName, Events } from '../../shared/contract/index.ts';

export type AnyEventListener = (event: EventName, payload: unknown) => void;

/** Engine-wide event bus: every transport subscribes once and forwards to its clients. */
export class EventBus {
  private readonly listeners = new Set<AnyEventListener>();

  emit<E extends EventName>(event: E, payload: Events[E]): void {
    for (const l of this.listeners) l(event, payload);
  }

  subscribe(listener: AnyEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
