import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, protocol, session } from 'electron';
import { createEngine, type Engine } from '../engine/engine.ts';
import { sqliteBuildProblem } from '../engine/db/sqlite-binding.mjs';
import { usePrivateUmask } from '../engine/projects/paths.ts';
import { serveIpc } from './ipc.ts';
import { installMenu } from './menu.ts';
import { handleAppProtocol, PRIVILEGED_SCHEME } from './protocol.ts';
import { hardenAllContents, hardenSession } from './security.ts';
import { shellHandlers } from './shell-handlers.ts';
import { APP_ENTRY, windowOptions } from './window-options.ts';

// The bundle lives in out/main/; the preload next door in out/preload/.
const PRELOAD = fileURLToPath(new URL('../preload/index.cjs', import.meta.url));

usePrivateUmask(); // projects hold patient data: whatever this process or the trainer writes is private
protocol.registerSchemesAsPrivileged([PRIVILEGED_SCHEME]);
app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  // A second launch focuses the running window instead of opening the same projects twice.
  app.quit();
} else {
  app.whenReady().then(start, fail);
}

async function start(): Promise<void> {
  // Said before any window opens, not as a NODE_MODULE_VERSION error at the first project opened.
  const sqliteProblem = sqliteBuildProblem();
  if (sqliteProblem) return cannotStart(sqliteProblem);
  const engine = createEngine();
  hardenAllContents(app);
  hardenSession(session.defaultSession);
  handleAppProtocol(session.defaultSession.protocol, engine, join(app.getAppPath(), 'renderer', 'dist'));

  const win = new BrowserWindow(windowOptions(PRELOAD));
  const stops = [serveIpc(ipcMain, engine, win, shellHandlers(dialog, win)), installMenu(engine, win)];
  win.once('ready-to-show', () => win.show());
  app.on('second-instance', () => {
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  // One window: closing it ends the app on every platform, after the engine closed the project cleanly.
  app.on('window-all-closed', () => void shutdown(engine, stops));
  await win.loadURL(APP_ENTRY);
}

async function shutdown(engine: Engine, stops: (() => void)[]): Promise<void> {
  for (const stop of stops) stop();
  await engine.close();
  app.quit();
}

function cannotStart(why: string): void {
  console.error(why);
  dialog.showErrorBox('LabelTune could not start', why);
  app.exit(1);
}

function fail(e: unknown): void {
  dialog.showErrorBox('LabelTune could not start', e instanceof Error ? (e.stack ?? e.message) : String(e));
  app.exit(1);
}
