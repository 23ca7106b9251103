import { EngineError } from '../../../../shared/contract/errors.ts';
import type { Args, EngineClient, EventName, Events, Method, Result } from '../../../../shared/contract/index.ts';
import type {
  LabelTuneBridge,
  ShellArgs,
  ShellEvents,
  ShellMethod,
  ShellResult,
} from '../../../../shared/contract/shell.ts';

/** What only the Electron shell offers the renderer: native dialogs and menu events. */
export interface ShellClient {
  invoke<M extends ShellMethod>(method: M, args: ShellArgs<M>): Promise<ShellResult<M>>;
  on<E extends keyof ShellEvents & string>(event: E, listener: (payload: ShellEvents[E]) => void): () => void;
}

async function call(bridge: LabelTuneBridge, method: string, args: unknown): Promise<unknown> {
  const response = await bridge.invoke(method, args);
  if (!response.ok) throw EngineError.fromData(response.error);
  return response.result;
}

/** Electron's transport: the preload bridge on `window.labeltune` (IPC underneath). */
export class BridgeClient implements EngineClient {
  readonly shell: ShellClient;

  constructor(private readonly bridge: LabelTuneBridge) {
    this.shell = {
      invoke: (method, args) => call(bridge, method, args) as never,
      on: (event, listener) => bridge.on(event, listener as (p: unknown) => void),
    };
  }

  async invoke<M extends Method>(method: M, args: Args<M>): Promise<Result<M>> {
    return (await call(this.bridge, method, args)) as Result<M>;
  }

  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    return this.bridge.on(event, listener as (p: unknown) => void);
  }

  assetUrl(path: string): string {
    return `labeltune://asset/${path}`;
  }
}
