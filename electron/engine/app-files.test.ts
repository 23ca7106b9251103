import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FROM_BUNDLE, appPackage, appRoot, processEntry } from './app-files.ts';

// From the bundle, test/contract/bundle.test.ts covers the same functions.
describe('app files, from the sources', () => {
  const checkout = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');

  it('finds the checkout as the app root, and its package.json', () => {
    expect(FROM_BUNDLE).toBe(false);
    expect(appRoot()).toBe(checkout);
    expect(appPackage()).toMatchObject({ name: 'labeltune', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it('starts processes from their tsx shims, which exist', () => {
    const entry = processEntry('model-host.mjs', 'electron/model-host/host.mjs');
    expect(fileURLToPath(entry)).toBe(`${checkout}/electron/model-host/host.mjs`);
    expect(existsSync(entry)).toBe(true);
  });
});
