// Just enough of Electron's main-process API to run the bundled app in plain Node. When the app
// loads its page, a scripted session drives the protocol and IPC handlers it registered, closes the
// window and prints what happened as one JSON line; the smoke test asserts on it.
import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { constants } from 'node:os';
import { crashEngine } from './fake-engine-crash.mjs';

const report = { appEvents: [], sent: [], stopped: [], messageBoxes: [], utility: [] };
const ipcHandlers = new Map();
const appHandlers = new Map();
let protocolHandler = null;
let quitting = null;
let quitCalled = false;

export const app = {
  enableSandbox: () => void (report.sandboxEnabled = true),
  requestSingleInstanceLock: () => true,
  whenReady: () => Promise.resolve(),
  getAppPath: () => process.env.FAKE_APP_PATH,
  on: (event, fn) => (report.appEvents.push(event), appHandlers.set(event, fn)),
  quit: () => ((quitCalled = true), quitting?.()),
  exit: (code) => process.exit(code),
};

/**
 * utilityProcess.fork on child_process.fork: the child gets `process.parentPort`
 * (fake-parent-port.mjs) and inherits the test's module hooks, except the fake 'electron' (the
 * engine must never import it). Messages are structured-cloned, as Electron's are.
 */
export const utilityProcess = {
  fork(modulePath, args = [], options = {}) {
    const execArgv = withoutFakeElectron(process.execArgv).concat(['--import', new URL('./fake-parent-port.mjs', import.meta.url).href]);
    // An engine that cannot load (FAKE_ENGINE_LOAD_ERROR), as one whose native module is built for another runtime.
    if (process.env.FAKE_ENGINE_LOAD_ERROR) execArgv.push('--import', `data:text/javascript,throw new Error(${encodeURIComponent(JSON.stringify(process.env.FAKE_ENGINE_LOAD_ERROR))})`);
    const stdio = typeof options.stdio === 'string' ? ['ignore', options.stdio, options.stdio] : (options.stdio ?? ['ignore', 'inherit', 'inherit']);
    const child = fork(modulePath, args, { execArgv, stdio: [...stdio, 'ipc'], serialization: 'advanced', env: { ...(options.env ?? process.env), FAKE_PARENT_PORT: '1' } });
    const entry = { serviceName: options.serviceName, modulePath, pid: child.pid, exit: null };
    report.utility.push(entry);
    const utility = Object.assign(new EventEmitter(), {
      pid: child.pid,
      stdout: child.stdout,
      stderr: child.stderr,
      postMessage: (message) => void child.send(message),
      kill: () => child.kill('SIGTERM'),
    });
    child.on('message', (message) => utility.emit('message', message));
    child.on('exit', (code, signal) => {
      entry.exit = { code, signal };
      utility.emit('exit', code ?? 128 + constants.signals[signal]);
    });
    return utility;
  },
};

function withoutFakeElectron(execArgv) {
  const kept = [];
  for (let i = 0; i < execArgv.length; i++) {
    if (execArgv[i] === '--import' && execArgv[i + 1]?.endsWith('register-fake-electron.mjs')) i++;
    else kept.push(execArgv[i]);
  }
  return kept;
}

export const protocol = { registerSchemesAsPrivileged: (schemes) => void (report.schemes = schemes) };

export const ipcMain = {
  handle: (channel, fn) => void ipcHandlers.set(channel, fn),
  removeHandler: (channel) => void ipcHandlers.delete(channel),
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler: (fn) => fn(null, 'media', (granted) => (report.permissionGranted = granted)),
    setPermissionCheckHandler: (fn) => void (report.permissionCheck = fn()),
    webRequest: {
      onHeadersReceived: (fn) =>
        fn({ url: 'labeltune://app/index.html', responseHeaders: {} }, ({ responseHeaders }) => (report.hookedCsp = responseHeaders['Content-Security-Policy'])),
    },
    protocol: { handle: (scheme, fn) => ((report.protocolScheme = scheme), (protocolHandler = fn)) },
  },
};

export const dialog = {
  showOpenDialog: async () => ({ canceled: false, filePaths: ['/picked/folder'] }),
  showMessageBox: async (...args) => (report.messageBoxes.push(args.at(-1)), { response: 0 }),
  showErrorBox: (title, message) => {
    process.stderr.write(`${title}: ${message}\n`);
    process.exit(3);
  },
};

export const Menu = {
  buildFromTemplate: (template) => template,
  setApplicationMenu: (menu) => {
    report.menu = menu.map((m) => m.label ?? m.role);
    report.recentMenu = menu.find((m) => m.label === 'File')?.submenu.find((i) => i.label === 'Open Recent')?.submenu.map((i) => i.label);
  },
};

export class BrowserWindow {
  constructor(options) {
    report.windowOptions = options;
    this.webContents = {
      send: (channel, message) => {
        report.sent.push([channel, message.event]);
        if (message.event === 'engine.stopped') report.stopped.push(message.payload);
      },
    };
  }
  isDestroyed = () => false;
  isMinimized = () => false;
  once = () => {};
  async loadURL(url) {
    report.loadedUrl = url;
    setTimeout(() => void drive(this).catch((e) => (console.error(e), process.exit(4))), 0);
  }
}

async function drive(win) {
  const page = await protocolHandler(new Request(report.loadedUrl));
  report.page = { status: page.status, csp: page.headers.get('content-security-policy'), body: await page.text() };
  const invoke = ipcHandlers.get('engine:invoke');
  const fromApp = { sender: win.webContents, senderFrame: { url: report.loadedUrl } };
  report.created = await invoke(fromApp, 'project.create', { dir: process.env.FAKE_PROJECT_DIR, name: 'Bundle smoke' });
  report.dialog = await invoke(fromApp, 'dialog.openFolder', { title: 'Pick' });
  report.foreign = await invoke({ sender: {}, senderFrame: { url: 'https://example.com/' } }, 'project.info', {});
  const call = (method, args) => invoke(fromApp, method, args);
  if (process.env.FAKE_IMPORT_DIR) report.jobs = await runJobs(call);
  if (process.env.FAKE_KILL_ENGINE) report.crash = await crashEngine(call, report.utility);
  await closeWindow();
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exit(0);
}

/** The user closes the window: the app asks the engine to close the project and quits when it has. */
async function closeWindow() {
  const quit = new Promise((resolve) => (quitting = resolve));
  const started = Date.now();
  appHandlers.get('window-all-closed')?.();
  await Promise.race([quit, new Promise((resolve) => setTimeout(resolve, 20_000))]);
  report.quit = { called: quitCalled, ms: Date.now() - started, engines: report.utility.map((u) => u.exit) };
}

/**
 * The desktop app's job path over IPC, for the bundle job test: import FAKE_IMPORT_DIR (one folder
 * per class), split, train with the options in FAKE_RUN, evaluate and export FAKE_EXPORT. Each step
 * is reported as the renderer would see it; a step that fails ends the path, with its reason in `error`.
 */
async function runJobs(invoke) {
  const jobs = {};
  const call = async (method, args) => {
    const res = await invoke(method, args);
    if (!res.ok) throw new Error(`${method} failed: ${JSON.stringify(res.error)}`);
    return res.result;
  };
  const wait = async (started) => call('job.wait', { jobId: (await started).jobId });
  try {
    jobs.imported = await wait(call('import.start', { paths: [process.env.FAKE_IMPORT_DIR], classFolders: true }));
    jobs.splits = await call('splits.create', { ratios: [0.5, 0.25, 0.25], seed: 1 });
    const { runId, jobId } = await call('runs.start', JSON.parse(process.env.FAKE_RUN));
    jobs.trained = await call('job.wait', { jobId });
    jobs.run = await call('runs.get', { runId });
    jobs.evaluated = await wait(call('eval.run', { runId }));
    jobs.exported = await wait(call('exports.start', { runId, format: process.env.FAKE_EXPORT }));
  } catch (e) {
    jobs.error = e.message;
  }
  return jobs;
}
