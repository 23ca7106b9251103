import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isAppUrl, windowOptions } from './window-options.ts';

describe('windowOptions', () => {
  const options = windowOptions('/opt/labeltune/out/preload/index.cjs');
  const web = options.webPreferences!;

  it('isolates and sandboxes the renderer and passes the preload path through', () => {
    expect(web.preload).toBe('/opt/labeltune/out/preload/index.cjs');
    expect(web.contextIsolation).toBe(true);
    expect(web.sandbox).toBe(true);
    expect(web.nodeIntegration).toBe(false);
    expect(web.nodeIntegrationInWorker).toBe(false);
    expect(web.nodeIntegrationInSubFrames).toBe(false);
    expect(web.webSecurity).toBe(true);
    expect(web.allowRunningInsecureContent).toBe(false);
    expect(web.webviewTag).toBe(false);
    expect(web.experimentalFeatures).toBe(false);
    expect(web.navigateOnDragDrop).toBe(false);
  });

  it('opens hidden with the dark background (shown once ready, no white flash)', () => {
    expect(options.show).toBe(false);
    expect(options.backgroundColor).toBe('#0e0f10');
  });

  it('does not import electron at runtime (only types), so it stays testable in plain Node', () => {
    const source = readFileSync(new URL('./window-options.ts', import.meta.url), 'utf8');
    const imports = source.match(/^import .*$/gm) ?? [];
    expect(imports).toEqual(["import type { BrowserWindowConstructorOptions } from 'electron';"]);
  });
});

describe('isAppUrl', () => {
  it('accepts only labeltune://app pages', () => {
    expect(isAppUrl('labeltune://app/index.html')).toBe(true);
    expect(isAppUrl('labeltune://asset/thumb/1')).toBe(false);
    expect(isAppUrl('https://example.com/')).toBe(false);
    expect(isAppUrl('file:///etc/passwd')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
    expect(isAppUrl(undefined)).toBe(false);
  });
});
