/** Event listeners by event name; shared by both transports. */
export class Listeners {
  private readonly byEvent = new Map<string, Set<(payload: unknown) => void>>();

  add(event: string, listener: (payload: unknown) => void): () => void {
    const set = this.byEvent.get(event) ?? new Set();
    set.add(listener);
    this.byEvent.set(event, set);
    return () => void set.delete(listener);
  }

  emit(event: string, payload: unknown): void {
    for (const l of this.byEvent.get(event) ?? []) l(payload);
  }
}
