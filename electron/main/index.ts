import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, protocol, session, utilityProcess } from 'electron';
import { processEntry } from '../engine/app-files.ts';
import { type EngineChild, EngineRelay, lastErrorLine } from './engine-relay.ts';
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
    spawn: forkEngine,
    onGiveUp: (message) => void dialog.showMessageBox({ type: 'error', title: 'LabelTune', message: 'The LabelTune engine stopped again.', detail: message }),
  });
  // An engine that cannot work here (no better-sqlite3 build for this Electron) is said before any window opens.
  const problem = await engine.whenReady().then(() => null, (e: Error) => e.message);
  if (problem) return cannotStart(problem);
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

/** How much of the engine's stderr is kept to find why it died (an error line above its stack). */
const TAIL_CHARS = 8000;

/**
 * The engine's utility process. Its stdout is main's; its stderr goes on to main's too, and its end
 * is kept, so that an engine that cannot even start (a native module built for another runtime) says
 * why. Its exit is reported once that output has been read (or after half a second).
 */
function forkEngine(): EngineChild {
  const child = utilityProcess.fork(ENGINE_ENTRY, [], { serviceName: 'LabelTune engine', stdio: ['ignore', 'inherit', 'pipe'] });
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-TAIL_CHARS);
    // A packaged app may have no terminal: passing the log on must never take main down.
    if (process.stderr.writable) process.stderr.write(chunk, () => {});
  });
  const drained = new Promise((resolve) => (child.stderr ? child.stderr.once('end', resolve) : resolve(null)));
  const read = () => Promise.race([drained, new Promise((resolve) => setTimeout(resolve, 500))]);
  return {
    postMessage: (message) => child.postMessage(message),
    kill: () => child.kill(),
    on: (event: string, listener: (arg: never) => void) => {
      if (event === 'exit') child.on('exit', (code) => void read().then(() => listener(code as never)));
      else child.on('message', listener as (message: unknown) => void);
    },
    lastError: () => lastErrorLine(tail),
  } as EngineChild;
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

function cannotStart(why: string): void {
  console.error(why);
  dialog.showErrorBox('LabelTune could not start', why);
  app.exit(1);
}

function fail(e: unknown): void {
  dialog.showErrorBox('LabelTune could not start', e instanceof Error ? (e.stack ?? e.message) : String(e));
  app.exit(1);
}
