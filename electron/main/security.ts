import type { App, Session, WebContents } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../engine/server/csp.ts';
import { APP_ORIGIN } from './window-options.ts';

/**
 * Session-wide rules: no permission (camera, notifications, geolocation ...) is ever granted, and
 * the app's own pages carry the strict CSP. The protocol handler sets the CSP on the pages it
 * serves as well; this hook also covers any other response the session sees.
 */
export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...details.responseHeaders };
    if (details.url.startsWith(`${APP_ORIGIN}/`)) headers['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
    callback({ responseHeaders: headers });
  });
}

/** Every web contents, present and future: no navigation away, no new windows, no webviews. */
export function hardenAllContents(app: App): void {
  app.on('web-contents-created', (_event, contents) => hardenContents(contents));
}

function hardenContents(contents: WebContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
