import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, protocol, session, utilityProcess } from 'electron';
import { processEntry } from '../engine/app-files.ts';
import { type EngineChild, EngineRelay } from './engine-relay.ts';
import { serveIpc } from './ipc.ts';
import { installMenu } from './menu.ts';
import { handleAppProtocol, PRIVILEGED_SCHEME } from './protocol.ts';
import { hardenAllContents, hardenSession } from './security.ts';
import { shellHandlers } from './shell-handlers.ts';
import { APP_ENTRY, windowOptions } from './window-options.ts';

// The bundle lives in out/main/; the preload next door in out/preload/.
const PRELOAD = fileURLToPath(new URL('../preload/index.cjs', import.meta.url));
// The engine (database, import, jobs) runs in a utility process of its own, out/main/engine.mjs.
const ENGINE_ENTRY = fileURLToPath(processEntry('engine.mjs', 'electron/engine/process/engine-main.mjs'));

protocol.registerSchemesAsPrivileged([PRIVILEGED_SCHEME]);
app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  // A second launch focuses the running window instead of opening the same projects twice.
  app.quit();
} else {
  app.whenReady().then(start, fail);
}

async function start(): Promise<void> {
  const engine = new EngineRelay({
    spawn: () => utilityProcess.fork(ENGINE_ENTRY, [], { serviceName: 'LabelTune engine', stdio: 'inherit' }) as EngineChild,
    onGiveUp: (message) => void dialog.showMessageBox({ type: 'error', title: 'LabelTune', message: 'The LabelTune engine stopped again.', detail: message }),
  });
  hardenAllContents(app);
  hardenSession(session.defaultSession);
  handleAppProtocol(session.defaultSession.protocol, (path, query) => engine.asset(path, query), join(app.getAppPath(), 'renderer', 'dist'));

  const win = new BrowserWindow(windowOptions(PRELOAD));
  const stops = [serveIpc(ipcMain, engine, win, shellHandlers(dialog, win)), installMenu(engine, win)];
  win.once('ready-to-show', () => win.show());
  app.on('second-instance', () => {
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  quitAfterEngine(engine, stops);
  await win.loadURL(APP_ENTRY);
}

/**
 * One window: closing it ends the app on every platform. Either way out (the last window closed, or
 * Quit) waits for the engine to close the project cleanly.
 */
function quitAfterEngine(engine: EngineRelay, stops: (() => void)[]): void {
  let stopped = false;
  const shutdown = async () => {
    for (const stop of stops.splice(0)) stop();
    await engine.shutdown();
    stopped = true;
    app.quit();
  };
  app.on('window-all-closed', () => void shutdown());
  app.on('will-quit', (event) => {
    if (stopped) return;
    event.preventDefault();
    void shutdown();
  });
}

function fail(e: unknown): void {
  dialog.showErrorBox('LabelTune could not start', e instanceof Error ? (e.stack ?? e.message) : String(e));
  app.exit(1);
}
