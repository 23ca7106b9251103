import type { AssetReply, EngineToMain, MainToEngine } from '../../../shared/contract/engine-process.ts';
import { toEngineError } from '../dispatcher.ts';
import type { Engine } from '../engine.ts';

/**
 * The port Electron's utilityProcess gives its child as `process.parentPort`. Typed here because
 * the engine never imports 'electron'; the fake Electron of the bundle tests provides the same shape.
 */
export interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): unknown;
  postMessage(message: EngineToMain): void;
}

/**
 * Serves the engine contract to Electron's main process: each request is answered by id through the
 * one dispatcher (or the asset registry), every engine event becomes a message, and `shutdown`
 * closes the project before `exit(0)`.
 */
export function serveParentPort(port: ParentPort, engine: Engine, exit: (code: number) => void): void {
  const unsubscribe = engine.ctx.events.subscribe((event, payload) => post(port, { kind: 'event', event, payload }));
  port.on('message', ({ data }) => {
    const message = data as MainToEngine;
    if (message.kind === 'invoke') void answer(port, message.id, message.method, () => engine.dispatcher.dispatch(message.method, message.args));
    else if (message.kind === 'asset') void answer(port, message.id, 'asset', () => asset(engine, message.path, message.query));
    else if (message.kind === 'shutdown') void shutdown(engine, unsubscribe, exit);
  });
  port.postMessage({ kind: 'ready' });
}

async function answer(port: ParentPort, id: number, method: string, run: () => Promise<unknown>): Promise<void> {
  try {
    post(port, { kind: 'response', id, ok: true, result: (await run()) ?? null });
  } catch (e) {
    port.postMessage({ kind: 'response', id, ok: false, error: toEngineError(e, method).toJSON() });
  }
}

/** A result that cannot be cloned becomes that request's error, not a crash of the engine. */
function post(port: ParentPort, message: EngineToMain): void {
  try {
    port.postMessage(message);
  } catch (e) {
    if (message.kind !== 'response') return void console.error(`[engine] event ${message.kind} could not be sent:`, e);
    port.postMessage({ kind: 'response', id: message.id, ok: false, error: toEngineError(e, 'response').toJSON() });
  }
}

async function asset(engine: Engine, path: string, query: string): Promise<AssetReply> {
  const found = await engine.ctx.assets.resolve(path, new URLSearchParams(query));
  const body = new Uint8Array(found.body.buffer, found.body.byteOffset, found.body.byteLength);
  return found.maxAge === undefined ? { contentType: found.contentType, body } : { contentType: found.contentType, body, maxAge: found.maxAge };
}

async function shutdown(engine: Engine, unsubscribe: () => void, exit: (code: number) => void): Promise<void> {
  unsubscribe();
  try {
    await engine.close();
    exit(0);
  } catch (e) {
    console.error('[engine] the project did not close cleanly:', e);
    exit(1);
  }
}
