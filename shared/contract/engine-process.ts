import type { EngineErrorData } from './errors.ts';

/**
 * The messages between Electron's main process and the engine's utility process
 * (electron/engine/process/engine-main.ts). Main relays the window's calls and the labeltune://asset
 * requests; the engine answers each by id and pushes its events. Messages are structured-cloned, so
 * asset bytes cross as a Uint8Array.
 */
export type MainToEngine =
  | { kind: 'invoke'; id: number; method: string; args: unknown }
  | { kind: 'asset'; id: number; path: string; query: string }
  /** Close the project cleanly, then exit with code 0. */
  | { kind: 'shutdown' };

export type EngineToMain =
  /** Sent once the engine listens: main holds its messages until then. */
  | { kind: 'ready' }
  /** The engine cannot work in this runtime (e.g. no better-sqlite3 build for it): what to do. Main quits. */
  | { kind: 'fatal'; message: string }
  | { kind: 'response'; id: number; ok: true; result: unknown }
  | { kind: 'response'; id: number; ok: false; error: EngineErrorData }
  | { kind: 'event'; event: string; payload: unknown };

/** What a labeltune://asset/ request resolves to in the engine. */
export interface AssetReply {
  contentType: string;
  body: Uint8Array;
  /** Cache-Control max-age in seconds (0: always revalidate). */
  maxAge?: number;
}
