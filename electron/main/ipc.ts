import type { BrowserWindow, IpcMain, IpcMainInvokeEvent } from 'electron';
import { EngineError, type EngineErrorData } from '../../shared/contract/errors.ts';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, type EventMessage } from '../../shared/contract/index.ts';
import { type BridgeResponse, isShellMethod, type ShellEvents } from '../../shared/contract/shell.ts';
import type { RelayListener } from './engine-relay.ts';
import { isAppUrl } from './window-options.ts';

/** Shell-only methods (native dialogs): answered here, never by the engine. */
export type ShellDispatch = (method: string, args: unknown) => Promise<unknown>;

/** The engine as main sees it: the relay to its process (engine-relay.ts), or a stand-in in tests. */
export interface EngineLink {
  invoke(method: string, args: unknown): Promise<unknown>;
  subscribe(listener: RelayListener): () => void;
}

/**
 * The Electron transport of the contract: `engine:invoke` requests are relayed to the engine process
 * (or answered by the shell), engine events go out on `engine:event`. Requests from anything but our
 * window's own app page (a frame that navigated, another window) are refused.
 */
export function serveIpc(ipcMain: IpcMain, engine: EngineLink, win: BrowserWindow, shell: ShellDispatch): () => void {
  ipcMain.handle(IPC_INVOKE_CHANNEL, async (event, method: unknown, args: unknown): Promise<BridgeResponse> => {
    const name = String(method);
    try {
      if (!trustedSender(event, win)) throw new EngineError('unsupported', 'Engine calls are only accepted from the LabelTune window.');
      const result = isShellMethod(name) ? await shell(name, args) : await engine.invoke(name, args);
      return { ok: true, result: result ?? null };
    } catch (e) {
      return { ok: false, error: errorData(e, name) };
    }
  });
  const unsubscribe = engine.subscribe((event, payload) => send(win, { event, payload }));
  return () => {
    unsubscribe();
    ipcMain.removeHandler(IPC_INVOKE_CHANNEL);
  };
}

/** Shell events (menu commands) travel on the same channel as the engine's events. */
export function sendShellEvent<E extends keyof ShellEvents & string>(win: BrowserWindow, event: E, payload: ShellEvents[E]): void {
  send(win, { event, payload });
}

/** Engine errors keep their code; anything else failed in main and says where. */
export function errorData(e: unknown, method: string): EngineErrorData {
  if (e instanceof EngineError) return e.toJSON();
  return { code: 'internal', message: `${method} failed unexpectedly: ${e instanceof Error ? e.message : String(e)}` };
}

function send(win: BrowserWindow, message: EventMessage): void {
  if (!win.isDestroyed()) win.webContents.send(IPC_EVENT_CHANNEL, message);
}

function trustedSender(event: IpcMainInvokeEvent, win: BrowserWindow): boolean {
  return !win.isDestroyed() && event.sender === win.webContents && isAppUrl(event.senderFrame?.url);
}
