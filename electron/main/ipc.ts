import type { BrowserWindow, IpcMain, IpcMainInvokeEvent } from 'electron';
import { EngineError } from '../../shared/contract/errors.ts';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, type EventMessage } from '../../shared/contract/index.ts';
import { type BridgeResponse, isShellMethod, type ShellEvents } from '../../shared/contract/shell.ts';
import { toEngineError } from '../engine/dispatcher.ts';
import type { Engine } from '../engine/engine.ts';
import { isAppUrl } from './window-options.ts';

/** Shell-only methods (native dialogs): answered here, never by the engine. */
export type ShellDispatch = (method: string, args: unknown) => Promise<unknown>;

/**
 * The Electron transport of the contract: `engine:invoke` requests go to the same dispatcher as
 * every other transport, engine events go out on `engine:event`. Requests from anything but our
 * window's own app page (a frame that navigated, another window) are refused.
 */
export function serveIpc(ipcMain: IpcMain, engine: Engine, win: BrowserWindow, shell: ShellDispatch): () => void {
  ipcMain.handle(IPC_INVOKE_CHANNEL, async (event, method: unknown, args: unknown): Promise<BridgeResponse> => {
    const name = String(method);
    try {
      if (!trustedSender(event, win)) throw new EngineError('unsupported', 'Engine calls are only accepted from the LabelTune window.');
      const result = isShellMethod(name) ? await shell(name, args) : await engine.dispatcher.dispatch(name, args);
      return { ok: true, result: result ?? null };
    } catch (e) {
      return { ok: false, error: toEngineError(e, name).toJSON() };
    }
  });
  const unsubscribe = engine.ctx.events.subscribe((event, payload) => send(win, { event, payload }));
  return () => {
    unsubscribe();
    ipcMain.removeHandler(IPC_INVOKE_CHANNEL);
  };
}

/** Shell events (menu commands) travel on the same channel as the engine's events. */
export function sendShellEvent<E extends keyof ShellEvents & string>(win: BrowserWindow, event: E, payload: ShellEvents[E]): void {
  send(win, { event, payload });
}

function send(win: BrowserWindow, message: EventMessage): void {
  if (!win.isDestroyed()) win.webContents.send(IPC_EVENT_CHANNEL, message);
}

function trustedSender(event: IpcMainInvokeEvent, win: BrowserWindow): boolean {
  return !win.isDestroyed() && event.sender === win.webContents && isAppUrl(event.senderFrame?.url);
}
