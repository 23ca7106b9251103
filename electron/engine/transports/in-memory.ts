import { EngineError, type EngineErrorData } from '../../../shared/contract/errors.ts';
import type { EngineClient, EventName, Events } from '../../../shared/contract/index.ts';
import type { Engine } from '../engine.ts';
import { toEngineError } from '../dispatcher.ts';

/**
 * A client that talks to an engine in the same process. Arguments, results, errors and events
 * are passed through JSON exactly as the other transports do, so tests catch data that would not
 * survive IPC or a WebSocket.
 */
export function createInMemoryClient(engine: Engine): EngineClient & { dispose(): void } {
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const unsubscribe = engine.ctx.events.subscribe((event, payload) => {
    const wire = roundTrip(payload);
    for (const l of listeners.get(event) ?? []) l(wire);
  });
  return {
    async invoke(method, args) {
      try {
        const result = await engine.dispatcher.dispatch(method, roundTrip(args));
        return roundTrip(result) as never;
      } catch (e) {
        const data = roundTrip(toEngineError(e, method).toJSON()) as EngineErrorData;
        throw EngineError.fromData(data);
      }
    },
    on<E extends EventName>(event: E, listener: (payload: Events[E]) => void) {
      const set = listeners.get(event) ?? new Set();
      set.add(listener as (p: unknown) => void);
      listeners.set(event, set);
      return () => set.delete(listener as (p: unknown) => void);
    },
    assetUrl: (path) => `memory://asset/${path}`,
    dispose: unsubscribe,
  };
}

function roundTrip(x: unknown): unknown {
  return x === undefined ? undefined : JSON.parse(JSON.stringify(x));
}
