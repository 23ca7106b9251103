// Pure: imports only types, so the security settings can be unit-tested without Electron.
import type { BrowserWindowConstructorOptions } from 'electron';

/** The custom scheme: `labeltune://app/...` is the renderer, `labeltune://asset/...` the engine's assets. */
export const APP_SCHEME = 'labeltune';
export const APP_ORIGIN = `${APP_SCHEME}://app`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;
export const ASSET_ORIGIN = `${APP_SCHEME}://asset`;

/** Options of the one window. Every renderer capability that is not needed is off. */
export function windowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    title: 'LabelTune',
    // Matches --bg in renderer/src/app.css so there is no white flash before the first paint.
    backgroundColor: '#0e0f10',
    show: false,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
    },
  };
}

/** Only the app's own pages may talk to the engine (not a frame that navigated elsewhere). */
export function isAppUrl(url: string | undefined): boolean {
  if (!url) return false;
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === 'app';
  } catch {
    return false;
  }
}
