// Just enough of Electron's main-process API to run the bundled app in plain Node. When the app
// loads its page, a scripted session drives the protocol and IPC handlers it registered and prints
// what happened as one JSON line; the smoke test asserts on it.
const report = { appEvents: [], sent: [] };
const ipcHandlers = new Map();
let protocolHandler = null;

export const app = {
  enableSandbox: () => void (report.sandboxEnabled = true),
  requestSingleInstanceLock: () => true,
  whenReady: () => Promise.resolve(),
  getAppPath: () => process.env.FAKE_APP_PATH,
  on: (event) => void report.appEvents.push(event),
  quit: () => {},
  exit: (code) => process.exit(code),
};

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
  showMessageBox: async () => ({ response: 0 }),
  showErrorBox: (title, message) => {
    process.stderr.write(`${title}: ${message}\n`);
    process.exit(3);
  },
};

export const Menu = {
  buildFromTemplate: (template) => template,
  setApplicationMenu: (menu) => void (report.menu = menu.map((m) => m.label ?? m.role)),
};

export class BrowserWindow {
  constructor(options) {
    report.windowOptions = options;
    this.webContents = { send: (channel, message) => report.sent.push([channel, message.event]) };
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
  if (process.env.FAKE_IMPORT_DIR) report.jobs = await runJobs((method, args) => invoke(fromApp, method, args));
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exit(0);
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
